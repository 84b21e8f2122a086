package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunBadSettingExitsTwo(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--max-age", "1s"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--max-age") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
