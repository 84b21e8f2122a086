package sip

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/rfc4475/*.dat")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed messages: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		sipviciousOptions,
		tollFraudInvite,
		"INVITE tel:+44-20-7946-0958;phone-context=+44 SIP/2.0\r\nTo: <tel:+44>\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"SIP/2.0 200 OK\r\nv: a\r\n b\r\nl: 1\r\n\r\nxy",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
		"\r\n\r\n",
		"",
	} {
		f.Add(s)
	}
	// A Message that already holds another parse, to check the reset.
	var prev Message
	Parse(tollFraudInvite, &prev)
	f.Fuzz(func(t *testing.T, in string) {
		var fresh Message
		Parse(in, &fresh)
		checkInvariants(t, in, &fresh)

		reused := prev
		reused.Vias = append([]string(nil), prev.Vias...)
		Parse(in, &reused)
		if len(fresh.Vias) == 0 {
			fresh.Vias = nil
		}
		if len(reused.Vias) == 0 {
			reused.Vias = nil
		}
		if !reflect.DeepEqual(fresh, reused) {
			t.Errorf("reused Message differs:\n got %#v\nwant %#v", reused, fresh)
		}
	})
}

func FuzzNormaliseNumber(f *testing.F) {
	for _, s := range []string{
		"100", "+44 (20) 7946-0958", "%2B4420", "sip:0046812345678@h;user=phone",
		"tel:+1-201-555-0123;x=y", "*97#", "Alice", "%Z%45", "\xff%", "<sips:a@b>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := NormaliseNumber(in)
		if len(out) > MaxNumberLen {
			t.Fatalf("len = %d > %d", len(out), MaxNumberLen)
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '*' || c == '#' || c == '+' && i == 0
			if !ok {
				t.Fatalf("NormaliseNumber(%q) = %q: byte %q at %d", in, out, c, i)
			}
		}
		if again := NormaliseNumber(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}
