package httpapi

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "00442079460000", `a"b\c`, "tab\there", "\x00\x1f", "<&>", "é✓", "\u2028\u2029", "bad\xffutf8", "\xe2\x82"} {
		checkJSONString(t, s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("00442079460000")
	f.Add("\xff\u2028<")
	f.Fuzz(checkJSONString)
}

// checkJSONString: appendJSONString writes what encoding/json writes.
func checkJSONString(t *testing.T, s string) {
	want, _ := json.Marshal(s)
	if got := appendJSONString(nil, s); string(got) != string(want) {
		t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
	}
}
