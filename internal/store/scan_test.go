package store

import (
	"errors"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestScan(t *testing.T) {
	s := openTest(t, "", Config{})
	if id, err := s.LastBlock(t.Context()); err != nil || id != 0 {
		t.Fatalf("LastBlock of an empty store = %d, %v", id, err)
	}
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var want []*event.Event
	for batch := range 20 {
		var evs []*event.Event
		for i := range 3 {
			e := probe(base.Add(time.Duration(batch*3+i)*time.Millisecond), src, "100")
			e.UserAgent, e.Raw, e.ParseError = "ua", "OPTIONS sip:x SIP/2.0\r\n\r\n", "p"
			evs = append(evs, e)
		}
		write(t, s, evs...)
		want = append(want, evs...)
	}
	upTo, err := s.LastBlock(t.Context())
	if err != nil || upTo < 20 {
		t.Fatalf("LastBlock = %d, %v; want at least 20", upTo, err)
	}
	write(t, s, probe(base.Add(time.Hour), src, "later")) // after upTo: not scanned

	var got []event.Event
	if err := s.Scan(t.Context(), upTo, func(e *event.Event) error { got = append(got, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Scan gave %d events, want %d", len(got), len(want))
	}
	for i, e := range got {
		w := *want[i]
		w.Raw = ""
		if e != w {
			t.Fatalf("event %d = %+v\nwant %+v", i, e, w)
		}
	}

	stop := errors.New("stop")
	n := 0
	err = s.Scan(t.Context(), upTo, func(*event.Event) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Scan with a failing fn = %v after %d calls, want stop after 1", err, n)
	}
}
