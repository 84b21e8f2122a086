package membudget

import "testing"

func TestReadOnlyMappingOf(t *testing.T) {
	const exe = "/usr/bin/sentry peer" // a space in the path too
	tests := []struct {
		line       string
		start, end uintptr
		ok         bool
	}{
		{"00402000-016b7000 r-xp 00002000 fd:00 1234 /usr/bin/sentry peer", 0x402000, 0x16b7000, true},
		{"016b7000-02ebc000 r--p 012b7000 fd:00 1234 /usr/bin/sentry peer", 0x16b7000, 0x2ebc000, true},
		{"02ebd000-02fba000 rw-p 02abd000 fd:00 1234 /usr/bin/sentry peer", 0, 0, false}, // data: written to
		{"7f00000-7f10000 r--p 00000000 fd:00 99 /usr/lib/libc.so.6", 0, 0, false},
		{"7f00000-7f10000 r--s 00000000 fd:00 1234 /usr/bin/sentry peer", 0, 0, false}, // shared
		{"2cf114400000-2cf115400000 rw-p 00000000 00:00 0", 0, 0, false},
		{"zz-02 r--p 0 fd:00 1234 /usr/bin/sentry peer", 0, 0, false},
	}
	for _, tt := range tests {
		s, e, ok := readOnlyMappingOf([]byte(tt.line), exe)
		if s != tt.start || e != tt.end || ok != tt.ok {
			t.Errorf("%q: %#x-%#x %v, want %#x-%#x %v", tt.line, s, e, ok, tt.start, tt.end, tt.ok)
		}
	}
}

// TestPageOutExecutable: the test binary's own code is given back, and
// the program goes on running (the pages fault back in).
func TestPageOutExecutable(t *testing.T) {
	before, ok := fileResident()
	if !ok {
		t.Fatal("RssFile not readable")
	}
	n, err := pageOutExecutable()
	if err != nil {
		t.Fatal(err)
	}
	after, _ := fileResident()
	t.Logf("advised %d MB; RssFile %d -> %d MB", n>>20, before>>20, after>>20)
	if n == 0 {
		t.Fatal("no read-only mapping of the executable found")
	}
	if after >= before {
		t.Errorf("RssFile did not go down: %d -> %d", before, after)
	}
}
