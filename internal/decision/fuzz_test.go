package decision

import "testing"

// FuzzParseValue: ParseValue never panics, and what it accepts is
// canonical: parsing the value it returns gives it back, of the same kind.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "::ffff:1.2.3.4", "fe80::1%eth0", "10.0.0.0/8", "1.2.3.4/32", "2001:db8::/33",
		"+44123", "*#1", "", " 1.2.3.4 ", "1.2.3.4/33", "::/0", "0.0.0.0/0", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, k, p, err := ParseValue(s)
		if err != nil {
			return
		}
		v2, k2, p2, err := ParseValue(v)
		if err != nil || v2 != v || k2 != k || p2 != p {
			t.Fatalf("ParseValue(%q) = %q %v %v, but ParseValue(%q) = %q %v %v %v", s, v, k, p, v, v2, k2, p2, err)
		}
		if k != Number && (!p.IsValid() || p != p.Masked()) {
			t.Fatalf("ParseValue(%q): prefix %v not valid and masked", s, p)
		}
	})
}
