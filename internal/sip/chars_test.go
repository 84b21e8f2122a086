package sip

import (
	"strings"
	"testing"
)

func TestIsTokenChar(t *testing.T) {
	const token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"
	for c := range 256 {
		want := strings.IndexByte(token, byte(c)) >= 0
		if got := isTokenChar(byte(c)); got != want {
			t.Errorf("isTokenChar(%#x) = %v, want %v", c, got, want)
		}
	}
}
