package record

import (
	"strings"
	"testing"
)

func TestCleanMethod(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"token", "INVITE", "INVITE"},
		{"empty", "", ""},
		{"space", "IN VITE", ""},
		{"NUL", "OPTIONS\x00", ""},
		{"non-ascii", "INVITÉ", ""},
		{"32 bytes", strings.Repeat("A", 32), strings.Repeat("A", 32)},
		{"long token cut", strings.Repeat("A", 40), strings.Repeat("A", 32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanMethod(tt.in); got != tt.want {
				t.Errorf("CleanMethod(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanUserAgent(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "friendly-scanner", "friendly-scanner"},
		{"NUL removed", "sip\x00cli\x00", "sipcli"},
		{"junk kept", "\xff\x01\x7f", "\xff\x01\x7f"},
		{"256 bytes", strings.Repeat("u", 256), strings.Repeat("u", 256)},
		{"cut", strings.Repeat("u", 300), strings.Repeat("u", 256)},
		{"NULs do not count", strings.Repeat("u\x00", 256), strings.Repeat("u", 256)},
		// 255 ASCII bytes then "é" (2 bytes) would split at 256: back off.
		{"rune not split", strings.Repeat("u", 255) + "é" + "tail", strings.Repeat("u", 255)},
		{"rune at the end kept", strings.Repeat("u", 254) + "é" + "tail", strings.Repeat("u", 254) + "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CleanUserAgent(tt.in)
			if got != tt.want {
				t.Errorf("CleanUserAgent(%q) = %q, want %q", tt.in, got, tt.want)
			}
			r := testRecord(t)
			r.UserAgent = got
			r.Sign(testKey(1))
			if err := Validate(r, testNow, Limits{}); err != nil {
				t.Errorf("cleaned user agent refused: %v", err)
			}
		})
	}
}
