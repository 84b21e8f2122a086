package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tests := []struct {
		name       string
		configured int64
		env        map[string]string
		want       int64
		ok         bool
	}{
		{"configured", 150 << 20, nil, 150 << 20, true},
		{"none", 0, nil, 0, false},
		{"GOMEMLIMIT wins", 150 << 20, map[string]string{"GOMEMLIMIT": "1GiB"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := memoryLimit(tt.configured, env(tt.env))
			if got != tt.want || ok != tt.ok {
				t.Errorf("memoryLimit = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRunBadSettingExitsTwo(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--max-age", "1s"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--max-age") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
