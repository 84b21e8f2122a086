//go:build !lite

package httpapi

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/history"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// fakeReports holds two reports about 203.0.113.7, one carrying what its
// reporter chose to share; it records the limit asked for.
// fuzzReports is the Reports of FuzzQuery's fixture.
func fuzzReports() Reports { return &fakeReports{} }

type fakeReports struct {
	limit int
	err   error
}

func (f *fakeReports) Reports(_ context.Context, ip netip.Addr, limit int) ([]history.Report, error) {
	f.limit = limit
	if f.err != nil {
		return nil, f.err
	}
	if ip != netip.MustParseAddr("203.0.113.7") {
		return nil, nil
	}
	_, sk, _ := ed25519.GenerateKey(nil)
	mk := func(last time.Time) *record.Record {
		r := &record.Record{SourceIP: ip, CalledNumber: "100", Method: "INVITE", UserAgent: "friendly-scanner",
			Transport: event.UDP, FirstSeen: last.Add(-time.Second), LastSeen: last, Count: 2}
		r.Sign(sk)
		return r
	}
	full := mk(at(20))
	full.Destination = netip.MustParseAddrPort("192.0.2.10:5060")
	full.Raw = "INVITE sip:100@192.0.2.10 SIP/2.0\r\n\r\n"
	full.Sign(sk)
	return []history.Report{
		{Record: full, Via: "12D3KooWvia", Received: at(21)},
		{Record: mk(at(10)), Via: "12D3KooWvia", Received: at(11)},
	}, nil
}

func TestReports(t *testing.T) {
	reps := &fakeReports{}
	f := newFixture(t, Config{Reports: reps})
	tests := []struct {
		path      string
		code      int
		n         int
		wantLimit int
	}{
		{"/api/v1/reports/ip/203.0.113.7", 200, 2, defaultLimit},
		{"/api/v1/reports/ip/203.0.113.7?limit=1000", 200, 2, 1000},
		{"/api/v1/reports/ip/198.51.100.1", 200, 0, defaultLimit},
		{"/api/v1/reports/ip/nope", 400, 0, 0},
		{"/api/v1/reports/ip/203.0.113.0%2F24", 400, 0, 0},
		{"/api/v1/reports/ip/203.0.113.7?limit=1001", 400, 0, 0},
		{"/api/v1/reports/ip/203.0.113.7?number=100", 400, 0, 0},
	}
	for _, tc := range tests {
		reps.limit = 0
		w := f.get(t, tc.path)
		if w.Code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.path, w.Code, w.Body, tc.code)
			continue
		}
		if tc.code != 200 {
			if reps.limit != 0 {
				t.Errorf("%s: a bad request reached the store", tc.path)
			}
			continue
		}
		var body reportsBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Reports) != tc.n || reps.limit != tc.wantLimit {
			t.Errorf("%s: %d reports (limit %d), %v; want %d (limit %d)", tc.path, len(body.Reports), reps.limit, err, tc.n, tc.wantLimit)
		}
	}

	var body reportsBody
	json.Unmarshal(f.get(t, "/api/v1/reports/ip/203.0.113.7").Body.Bytes(), &body)
	first, second := body.Reports[0], body.Reports[1]
	if first.Destination != "192.0.2.10:5060" || first.Raw == "" || first.Transport != "UDP" || first.Count != 2 ||
		len(first.Reporter) < 40 || first.Via != "12D3KooWvia" || !first.Received.Equal(at(21)) {
		t.Errorf("first report %+v", first)
	}
	if raw := f.get(t, "/api/v1/reports/ip/203.0.113.7").Body.String(); second.Destination != "" || second.Raw != "" ||
		strings.Count(raw, `"raw"`) != 1 || strings.Count(raw, `"destination"`) != 1 {
		t.Errorf("a report without them must not carry destination or raw keys: %s", raw)
	}

	reps.err = context.DeadlineExceeded
	if w := f.get(t, "/api/v1/reports/ip/203.0.113.7"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("past the deadline: %d, want 503", w.Code)
	}
}
