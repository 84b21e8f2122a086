package sip

import (
	"strings"
	"testing"
)

func TestNormaliseNumber(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "100", "100"},
		{"international", "0046812345678", "0046812345678"},
		{"plus", "+442079460958", "+442079460958"},
		{"encoded plus", "%2B442079460958", "+442079460958"},
		{"encoded plus lower hex", "%2b44", "+44"},
		{"separators", "+44 (20) 7946-0958", "+442079460958"},
		{"dots and slashes", "020.7946/0958", "02079460958"},
		{"sip prefix", "sip:+4420@example.com", "+4420"},
		{"sips prefix any case", "SIPS:100@h", "100"},
		{"tel prefix with params", "tel:+1-201-555-0123;phone-context=x", "+12015550123"},
		{"angle bracket", "<sip:100@h>", "100"},
		{"user params", "+4420;npdi", "+4420"},
		{"star and hash", "*97#", "*97#"},
		{"encoded hash", "%2397", "#97"},
		{"letters lowercased", "Alice", "alice"},
		{"percent-encoded letters", "%75se%72", "user"},
		{"plus only leading", "1+2", "12"},
		{"plus after separator", "(+44)20", "+4420"},
		{"second plus dropped", "++44", "+44"},
		{"stray percent", "100%", "100"},
		{"bad escape", "%Z%45", "ze"},
		{"encoded at is dropped", "a%40b", "ab"},
		{"encoded NUL dropped", "null-%00-null", "nullnull"},
		{"non-ASCII dropped", "9\xd0\xbe9", "99"},
		{"spaces around", "  100  ", "100"},
		{"empty", "", ""},
		{"scheme only", "sip:", ""},
		{"too long", strings.Repeat("1", MaxNumberLen+10), strings.Repeat("1", MaxNumberLen)},
		{"too long with separators", strings.Repeat("1-", MaxNumberLen+10), strings.Repeat("1", MaxNumberLen)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormaliseNumber(tt.in); got != tt.want {
				t.Errorf("NormaliseNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormaliseNumberAllocs(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     float64
	}{
		{"already normal", "sip:0046812345678@h", 0},
		{"rewritten", "+44 20 7946 0958", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, func() { NormaliseNumber(tt.in) }); got != tt.want {
				t.Errorf("allocs = %v, want %v", got, tt.want)
			}
		})
	}
}
