package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestWindow(t *testing.T) {
	end := time.Date(2026, 11, 27, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		days int
		want time.Duration
	}{
		{"one day", 1, 24 * time.Hour},
		{"six days", 6, 6 * 24 * time.Hour},
		{"seven days keep an hour of retention", 7, 7*24*time.Hour - time.Hour},
		{"thirty days cut to retention", 30, 7*24*time.Hour - time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, span := window(end, tt.days)
			if span != tt.want || !start.Equal(end.Add(-tt.want)) {
				t.Errorf("window(%d) = %v, %v; want span %v", tt.days, start, span, tt.want)
			}
		})
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		n       int
	}{
		{"even", []float64{1, 1, 1}, 10},
		{"uneven", []float64{0.1, 5, 2.3, 0.7}, 1000003},
		{"fewer events than bins", []float64{1, 2, 3, 4, 5}, 2},
		{"one bin", []float64{3}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total float64
			for _, w := range tt.weights {
				total += w
			}
			got := apportion(tt.weights, total, tt.n)
			sum := 0
			for i, c := range got {
				sum += c
				exact := float64(tt.n) * tt.weights[i] / total
				if float64(c) < exact-1 || float64(c) > exact+1 {
					t.Errorf("bin %d: %d events, want %.1f ± 1", i, c, exact)
				}
			}
			if sum != tt.n {
				t.Errorf("shares sum to %d, want %d", sum, tt.n)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	end := time.Date(2026, 11, 27, 9, 17, 0, 0, time.UTC)
	tests := []struct {
		name string
		days int
		n    int
	}{
		{"a week", 7, 200000},
		{"one day", 1, 50000},
		{"sparse", 2, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, span := window(end, tt.days)
			s := newSchedule(rand.New(rand.NewPCG(1, 2)), start, span, tt.n)
			var byHour [24]int
			var prev time.Time
			got := 0
			for ts, ok := s.next(); ok; ts, ok = s.next() {
				if ts.Before(start) || !ts.Before(end) {
					t.Fatalf("time %v outside [%v, %v)", ts, start, end)
				}
				if got > 0 && !ts.After(prev) {
					t.Fatalf("time %d (%v) not after %v", got, ts, prev)
				}
				prev = ts
				byHour[ts.Hour()]++
				got++
			}
			if got != tt.n {
				t.Fatalf("got %d times, want %d", got, tt.n)
			}
			if tt.n < 10000 {
				return
			}
			night, afternoon := 0, 0
			for h := range 6 {
				night += byHour[h]
				afternoon += byHour[12+h]
			}
			// diurnal gives 00–06 about 3× the probes of 12–18.
			if ratio := float64(night) / float64(afternoon); ratio < 1.8 || ratio > 5 {
				t.Errorf("00–06 UTC / 12–18 UTC = %.2f, want a clear daily rhythm (~3)", ratio)
			}
		})
	}
}

func TestIsPublicV4(t *testing.T) {
	tests := []struct {
		addr [4]byte
		want bool
	}{
		{[4]byte{0, 1, 2, 3}, false},
		{[4]byte{10, 0, 0, 1}, false},
		{[4]byte{100, 64, 0, 1}, false},
		{[4]byte{100, 128, 0, 1}, true},
		{[4]byte{127, 0, 0, 1}, false},
		{[4]byte{169, 254, 1, 1}, false},
		{[4]byte{172, 16, 0, 1}, false},
		{[4]byte{172, 32, 0, 1}, true},
		{[4]byte{192, 168, 1, 1}, false},
		{[4]byte{224, 0, 0, 1}, false},
		{[4]byte{255, 255, 255, 255}, false},
		{[4]byte{45, 134, 144, 20}, true},
		{[4]byte{223, 255, 255, 254}, true},
	}
	for _, tt := range tests {
		t.Run(netip.AddrFrom4(tt.addr).String(), func(t *testing.T) {
			if got := isPublicV4(tt.addr); got != tt.want {
				t.Errorf("isPublicV4(%v) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

// genStats summarises generated events.
type genStats struct {
	n, sip        int
	methods       map[string]int
	bySource      map[string]int
	numbered      int // INVITE and REGISTER events with a called number
	udp, ipv6     int
	rawTotal      int
	rawMin        int
	rawMax        int
	parseErrors   int
	numbersInPool int
}

func TestGenerator(t *testing.T) {
	end := time.Date(2026, 11, 27, 9, 17, 0, 0, time.UTC)
	tests := []struct {
		name  string
		cfg   genConfig
		check func(t *testing.T, s genStats)
	}{
		{
			name: "distributions",
			cfg:  genConfig{Events: 30000, IPs: 2000, Numbers: 5000, Seed: 1},
			check: func(t *testing.T, s genStats) {
				want := map[string]float64{"OPTIONS": 45, "REGISTER": 30, "INVITE": 22}
				other := 100.0
				for m, pct := range want {
					got := 100 * float64(s.methods[m]) / float64(s.n)
					if got < pct-4 || got > pct+4 {
						t.Errorf("%s: %.1f %%, want %.0f ± 4", m, got, pct)
					}
					other -= got
				}
				if other < 1 || other > 6 {
					t.Errorf("other methods: %.1f %%, want ~3", other)
				}
				if udp := 100 * float64(s.udp) / float64(s.n); udp < 85 {
					t.Errorf("UDP: %.1f %% of events, want mostly UDP", udp)
				}
				counts := make([]int, 0, len(s.bySource))
				for _, c := range s.bySource {
					counts = append(counts, c)
				}
				top := topSum(counts, 10)
				if share := float64(top) / float64(s.n); share < 0.3 {
					t.Errorf("top 10 sources make %.0f %% of events, want Zipf (> 30 %%)", 100*share)
				}
				if len(s.bySource) < 500 {
					t.Errorf("%d distinct sources seen, want a long tail", len(s.bySource))
				}
				if mean := s.rawTotal / s.sip; mean < 400 || mean > 700 {
					t.Errorf("mean raw size %d bytes, want 400–700", mean)
				}
				if s.parseErrors == 0 || s.parseErrors > s.n/100 {
					t.Errorf("%d parse errors, want a few (the HTTP probes)", s.parseErrors)
				}
			},
		},
		{
			name: "one source one number",
			cfg:  genConfig{Events: 500, IPs: 1, Numbers: 1, Seed: 7},
			check: func(t *testing.T, s genStats) {
				if len(s.bySource) != 1 {
					t.Errorf("%d sources, want 1", len(s.bySource))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, span := window(end, 7)
			tt.cfg.Start, tt.cfg.Span = start, span
			g, err := newGenerator(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			pool := map[string]bool{}
			for _, n := range g.numbers {
				pool[n.norm] = true
			}
			if len(pool) != tt.cfg.Numbers {
				t.Errorf("%d distinct normalised numbers, want %d", len(pool), tt.cfg.Numbers)
			}
			v6 := 0
			for _, src := range g.sources {
				if src.addr.Is6() {
					v6++
				} else if !isPublicV4(src.addr.As4()) {
					t.Errorf("source %v is not public-looking", src.addr)
				}
			}
			if tt.cfg.IPs >= 1000 {
				if pct := 100 * float64(v6) / float64(tt.cfg.IPs); pct < 3 || pct > 7 {
					t.Errorf("IPv6 sources: %.1f %%, want ~5", pct)
				}
			}

			s := genStats{methods: map[string]int{}, bySource: map[string]int{}, rawMin: 1 << 30}
			var prev time.Time
			for e := g.next(); e != nil; e = g.next() {
				checkEvent(t, e, start, start.Add(span), prev)
				prev = e.Time
				s.n++
				s.methods[e.Method]++
				s.bySource[e.Source.Addr().String()]++
				if e.Transport == event.UDP {
					s.udp++
				}
				if e.ParseError != "" {
					s.parseErrors++
					continue
				}
				s.sip++
				s.rawTotal += len(e.Raw)
				s.rawMin, s.rawMax = min(s.rawMin, len(e.Raw)), max(s.rawMax, len(e.Raw))
				if e.Method == "INVITE" || e.Method == "REGISTER" {
					if !pool[e.CalledNumberNorm] {
						t.Errorf("%s to %q (%q): not from the number pool", e.Method, e.CalledNumber, e.CalledNumberNorm)
					}
				}
			}
			if s.n != tt.cfg.Events {
				t.Fatalf("generated %d events, want %d", s.n, tt.cfg.Events)
			}
			t.Logf("raw bytes min %d mean %d max %d; methods %v", s.rawMin, s.rawTotal/max(s.sip, 1), s.rawMax, s.methods)
			if s.rawMin < 250 || s.rawMax > 900 {
				t.Errorf("raw sizes %d–%d bytes, want about 400–700", s.rawMin, s.rawMax)
			}
			tt.check(t, s)
		})
	}
}

// checkEvent checks the fields every generated event must have.
func checkEvent(t *testing.T, e *event.Event, start, end, prev time.Time) {
	t.Helper()
	if e.Time.Before(start) || !e.Time.Before(end) || !e.Time.After(prev) {
		t.Fatalf("time %v: not in [%v, %v) after %v", e.Time, start, end, prev)
	}
	if e.ID == (event.UUID{}) || e.ID[6]>>4 != 4 || e.NodeID == (event.UUID{}) {
		t.Errorf("IDs %v, %v: want a v4 event ID and a node ID", e.ID, e.NodeID)
	}
	if e.Collected != event.Passive || e.Transport.String() == "unknown" || !e.Source.IsValid() || !e.Destination.IsValid() {
		t.Errorf("event %+v: collected, transport or addresses missing", e)
	}
	if e.ParseError != "" {
		if e.Method != junk {
			t.Errorf("%s: parse error %q in\n%s", e.Method, e.ParseError, e.Raw)
		}
		return
	}
	for name, v := range map[string]string{
		"Method": e.Method, "RequestURI": e.RequestURI, "From": e.From, "To": e.To, "CallID": e.CallID,
		"CSeq": e.CSeq, "UserAgent": e.UserAgent, "Contact": e.Contact, "Via": e.Via, "Raw": e.Raw,
	} {
		if v == "" {
			t.Errorf("%s event: %s empty in\n%s", e.Method, name, e.Raw)
		}
	}
	if !strings.HasSuffix(e.CSeq, " "+e.Method) {
		t.Errorf("CSeq %q does not name method %s", e.CSeq, e.Method)
	}
	if want := "SIP/2.0/" + e.Transport.String() + " "; !strings.HasPrefix(e.Via, want) {
		t.Errorf("Via %q does not start with %q", e.Via, want)
	}
	if host := e.Source.Addr().String(); !strings.Contains(e.Via, host) {
		t.Errorf("Via %q does not name the source %s", e.Via, host)
	}
	if (e.Method == "INVITE" || e.Method == "REGISTER") && (e.CalledNumber == "" || e.CalledNumberNorm == "") {
		t.Errorf("%s without a called number:\n%s", e.Method, e.Raw)
	}
}

// topSum returns the sum of the k largest counts.
func topSum(counts []int, k int) int {
	sum := 0
	for range min(k, len(counts)) {
		best := 0
		for i, c := range counts {
			if c > counts[best] {
				best = i
			}
		}
		sum += counts[best]
		counts[best] = -1
	}
	return sum
}

func TestFill(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "sentrypeer.db")
	o := options{db: db, events: 20000, ips: 2000, numbers: 5000, days: 7, seed: 3}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	res, err := fill(context.Background(), o, io.Discard, logger)
	if err != nil {
		t.Fatal(err)
	}
	if res.count != 20000 || res.stored != 20000 || res.lost != 0 {
		t.Errorf("count %d, stored %d, lost %d; want 20000, 20000, 0", res.count, res.stored, res.lost)
	}
	if res.bytes == 0 {
		t.Error("database file is empty after Close")
	}
	t.Run("refuses an existing database", func(t *testing.T) {
		if _, err := fill(context.Background(), o, io.Discard, logger); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Errorf("second fill into %s: err %v, want one saying it exists", db, err)
		}
	})
}

func TestFillLive(t *testing.T) {
	const n = 600
	db := filepath.Join(t.TempDir(), "sentrypeer.db")
	o := options{db: db, events: n, ips: 50, numbers: 100, days: 1, seed: 5, live: true}
	res, err := fill(context.Background(), o, io.Discard, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	if res.count != n {
		t.Errorf("count %d, want %d", res.count, n)
	}

	// The same events, grouped the way feedLive groups them: one batch per
	// group, or a few more if a group was split.
	g, err := newGenerator(genConfig{Events: n, IPs: o.ips, Numbers: o.numbers, Start: res.start, Span: res.end.Sub(res.start), Seed: o.seed})
	if err != nil {
		t.Fatal(err)
	}
	groups := 0
	var end time.Time
	for e := g.next(); e != nil; e = g.next() {
		if groups == 0 || !e.Time.Before(end) {
			groups++
			end = e.Time.Add(daemonFlush)
		}
	}
	if groups == n {
		t.Fatalf("no two of %d events fall within %v: the bursts are missing", n, daemonFlush)
	}
	if res.batches < uint64(groups) || res.batches > uint64(groups)+uint64(groups)/10 {
		t.Errorf("%d batches for %d groups of %d events, want one batch per group", res.batches, groups, n)
	}
}
