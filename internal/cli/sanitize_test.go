package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "friendly-scanner", "friendly-scanner"},
		{"unicode letters stay", "Grüße 電話", "Grüße 電話"},
		{"ESC and BEL", "a\x1b[31mb\x07", `a\x1b[31mb\x07`},
		{"tab and newline", "a\tb\nc\r", `a\x09b\x0ac\x0d`},
		{"DEL and C1", "a\x7fb\u009bc", `a\x7fb\x9bc`},
		{"bidi override", "abc\u202edcba\u2066", `abc\u202edcba\u2066`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"NUL", "a\x00b", `a\x00b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := safeText(tt.in); got != tt.want {
				t.Errorf("safeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCell(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"empty", "", 10, "-"},
		{"fits", "abc", 3, "abc"},
		{"cut", "abcdef", 4, "abc…"},
		{"cut counts runes", "ééééé", 3, "éé…"},
		{"no cap", strings.Repeat("x", 100), 0, strings.Repeat("x", 100)},
		{"escaped before cut", "\x1b\x1b", 5, `\x1b…`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cell(tt.in, tt.max); got != tt.want {
				t.Errorf("cell(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestTimeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-11-27T00:12:03.123456789Z", "2026-11-27T00:12:03Z"},
		{"2026-11-27T01:12:03.9+01:00", "2026-11-27T00:12:03Z"},
		{"", "-"},
		{"yesterday\x1b", `yesterday\x1b`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := timeCell(tt.in); got != tt.want {
				t.Errorf("timeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSafeJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		indent  bool
		want    string
		wantErr bool
	}{
		{name: "compact", in: "{ \"a\" : [1, 2] }\n", want: `{"a":[1,2]}`},
		{name: "indent", in: `{"a":1}`, indent: true, want: "{\n  \"a\": 1\n}"},
		{name: "escaped ESC stays escaped", in: `{"ua":"\u001b[31m"}`, want: `{"ua":"\u001b[31m"}`},
		{name: "raw C1 and bidi are escaped", in: "{\"ua\":\"a\u009bb\u202ec\x7f\"}", want: `{"ua":"a\u009bb\u202ec\u007f"}`},
		{name: "invalid UTF-8 replaced", in: "{\"ua\":\"a\xffb\"}", want: `{"ua":"a\ufffdb"}`},
		{name: "raw ESC is invalid JSON", in: "{\"ua\":\"\x1b\"}", wantErr: true},
		{name: "truncated", in: `{"a":`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := safeJSON([]byte(tt.in), tt.indent)
			if tt.wantErr {
				if err == nil {
					t.Errorf("got %q, want an error", got)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestControlCharactersNeverReachStdout runs every command whose output
// holds the attacker's user agent and looks for raw dangerous characters.
func TestControlCharactersNeverReachStdout(t *testing.T) {
	api := (&fakeAPI{stream: twoNewEvents}).start(t)
	for _, args := range [][]string{
		{"ips"}, {"ips", "--json"}, {"ips", "--json", "--all", "--limit", "1"},
		{"events"}, {"events", "--json"}, {"events", "--follow"}, {"events", "--follow", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := run(t, t.Context(), nil, args[0], append(args[1:], "--api", api)...)
			if res.code != ExitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if !strings.Contains(res.stdout, "evil") {
				t.Fatalf("stdout lacks the attacker's user agent:\n%s", res.stdout)
			}
			for i, r := range res.stdout {
				if r != '\n' && dangerous(r) {
					t.Fatalf("stdout holds %U at byte %d:\n%q", r, i, res.stdout)
				}
			}
		})
	}
}

func FuzzSafeText(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[31m", "\u202e", "\xff\xfe", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("safeText(%q) = %q is not UTF-8", s, got)
		}
		for _, r := range got {
			if dangerous(r) {
				t.Fatalf("safeText(%q) = %q holds %U", s, got, r)
			}
		}
	})
}

func FuzzSafeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"\u001b"}`, "{\"a\":\"\u009b\xff\"}", `[1,"x",null]`, `{"a":`} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, indent bool) {
		got, err := safeJSON(b, indent)
		if err != nil {
			if json.Valid(b) {
				t.Fatalf("safeJSON(%q) failed on valid JSON: %v", b, err)
			}
			return
		}
		for _, r := range string(got) {
			if dangerous(r) && r != '\n' {
				t.Fatalf("safeJSON(%q) = %q holds %U", b, got, r)
			}
		}
		// The same values as the input, which json decodes with invalid
		// UTF-8 replaced as safeJSON does.
		// Numbers stay text: valid JSON may hold numbers no float64 holds.
		var want, have any
		if err := decodeNumbers(b, &want); err != nil {
			t.Fatalf("input %q decodes with %v but safeJSON accepted it", b, err)
		}
		if err := decodeNumbers(got, &have); err != nil {
			t.Fatalf("safeJSON(%q) = %q is not JSON: %v", b, got, err)
		}
		if !reflect.DeepEqual(want, have) {
			t.Fatalf("safeJSON(%q) = %q decodes to %v, want %v", b, got, have, want)
		}
	})
}

func decodeNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("more than one value")
	}
	return nil
}

func BenchmarkSafeText(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"clean", "friendly-scanner/0.3.3 (sipvicious)"},
		{"hostile", evilUA},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				safeText(bc.in)
			}
		})
	}
}
