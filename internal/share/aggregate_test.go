package share

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// TestFlood: 100,000 probes from one IP to one number within one interval
// are two records, and a new attacker still goes out at once meanwhile.
func TestFlood(t *testing.T) {
	a, _ := newTest(t, Config{AllowPrivate: true})
	const n = 100_000
	step := 9 * time.Second / n
	var newcomer []*record.Record
	for i := range n {
		a.Add(probe("127.0.0.1", "+442079460958", t0.Add(time.Duration(i)*step)))
		if i == 0 {
			first := drain(a)
			if got, want := show(first), []string{"127.0.0.1 +442079460958 n=1 0s..0s"}; !eq(got, want) {
				t.Fatalf("after the first probe: %q, want %q", got, want)
			}
			checkRecords(t, first)
		}
		if i == n/2 {
			a.Add(probe("127.0.0.2", "100", t0.Add(time.Duration(i)*step)))
			newcomer = drain(a)
		}
	}
	if got, want := show(newcomer), []string{"127.0.0.2 100 n=1 4.5s..4.5s"}; !eq(got, want) {
		t.Errorf("newcomer during the flood: %q, want %q", got, want)
	}
	if got := drain(a); len(got) != 0 {
		t.Fatalf("%d records before the flush: %q", len(got), show(got))
	}

	a.Flush()
	update := drain(a)
	want := []string{"127.0.0.1 +442079460958 n=99999 90µs..8.99991s"}
	if got := show(update); !eq(got, want) {
		t.Errorf("flush: %q, want %q", got, want)
	}
	checkRecords(t, update)

	a.Flush() // an idle interval: nothing to send, both keys forgotten
	if got := drain(a); len(got) != 0 {
		t.Errorf("idle flush sent %q", show(got))
	}
	s := checkStats(t, a)
	if s.Events != n+1 || s.New != 2 || s.Folded != n-1 || s.Records != 3 || s.Forgotten != 2 || s.Keys != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestIntervals(t *testing.T) {
	type step struct {
		src  string        // "" means Flush
		at   time.Duration // probe time after t0
		want []string      // records right after this step
	}
	add := func(src string, at time.Duration, want ...string) step { return step{src: src, at: at, want: want} }
	flush := func(want ...string) step { return step{want: want} }
	tests := []struct {
		name  string
		steps []step
	}{
		{"first at once, rest folded", []step{
			add("127.0.0.1", 0, "127.0.0.1 100 n=1 0s..0s"),
			add("127.0.0.1", time.Second),
			add("127.0.0.1", 3*time.Second),
			flush("127.0.0.1 100 n=2 1s..3s"),
		}},
		{"one update per active interval", []step{
			add("127.0.0.1", 0, "127.0.0.1 100 n=1 0s..0s"),
			add("127.0.0.1", 1*time.Second),
			flush("127.0.0.1 100 n=1 1s..1s"),
			add("127.0.0.1", 11*time.Second),
			add("127.0.0.1", 12*time.Second),
			add("127.0.0.1", 13*time.Second),
			flush("127.0.0.1 100 n=3 11s..13s"),
			add("127.0.0.1", 21*time.Second),
			flush("127.0.0.1 100 n=1 21s..21s"),
		}},
		{"first sighting just before a flush is kept", []step{
			add("127.0.0.1", 9*time.Second, "127.0.0.1 100 n=1 9s..9s"),
			flush(),
			add("127.0.0.1", 11*time.Second), // folded: the key was not idle a whole interval
			flush("127.0.0.1 100 n=1 11s..11s"),
		}},
		{"idle for a whole interval: forgotten, then first again", []step{
			add("127.0.0.1", 0, "127.0.0.1 100 n=1 0s..0s"),
			flush(),
			flush(),
			add("127.0.0.1", 25*time.Second, "127.0.0.1 100 n=1 25s..25s"),
		}},
		{"update, then idle interval, then first again", []step{
			add("127.0.0.1", 0, "127.0.0.1 100 n=1 0s..0s"),
			add("127.0.0.1", time.Second),
			flush("127.0.0.1 100 n=1 1s..1s"),
			flush(),
			add("127.0.0.1", 25*time.Second, "127.0.0.1 100 n=1 25s..25s"),
		}},
		{"keys are separate", []step{
			add("127.0.0.1", 0, "127.0.0.1 100 n=1 0s..0s"),
			add("127.0.0.2", 0, "127.0.0.2 100 n=1 0s..0s"),
			add("127.0.0.1", 1*time.Second),
			add("127.0.0.2", 2*time.Second),
			add("127.0.0.2", 3*time.Second),
			flush("127.0.0.1 100 n=1 1s..1s", "127.0.0.2 100 n=2 2s..3s"),
		}},
		{"out of order times", []step{
			add("127.0.0.1", 5*time.Second, "127.0.0.1 100 n=1 5s..5s"),
			add("127.0.0.1", 7*time.Second),
			add("127.0.0.1", 6*time.Second),
			add("127.0.0.1", 8*time.Second),
			flush("127.0.0.1 100 n=3 6s..8s"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newTest(t, Config{AllowPrivate: true})
			for i, s := range tt.steps {
				if s.src == "" {
					a.Flush()
				} else {
					a.Add(probe(s.src, "100", t0.Add(s.at)))
				}
				recs := drain(a)
				checkRecords(t, recs)
				if got := show(recs); !eq(got, s.want) {
					t.Fatalf("step %d: got %q, want %q", i, got, s.want)
				}
			}
			checkStats(t, a)
		})
	}
}

func TestKeyFields(t *testing.T) {
	base := probe("127.0.0.1", "100", t0)
	tests := []struct {
		name string
		edit func(e *event.Event)
		same bool // same key as base
	}{
		{"same probe", func(e *event.Event) {}, true},
		{"other port", func(e *event.Event) { e.Source = netip.MustParseAddrPort("127.0.0.1:9") }, true},
		{"other destination", func(e *event.Event) { e.Destination = netip.MustParseAddrPort("127.0.0.9:9") }, true},
		{"other transport", func(e *event.Event) { e.Transport = event.TCP }, true},
		{"mapped source", func(e *event.Event) { e.Source = netip.MustParseAddrPort("[::ffff:127.0.0.1]:5060") }, true},
		{"number spelled differently", func(e *event.Event) { e.CalledNumber, e.CalledNumberNorm = "sip:1-00@x", "" }, true},
		{"other number", func(e *event.Event) { e.CalledNumber, e.CalledNumberNorm = "101", "101" }, false},
		{"other method", func(e *event.Event) { e.Method = "OPTIONS" }, false},
		{"other user agent", func(e *event.Event) { e.UserAgent = "sipcli/v1.8" }, false},
		{"other source", func(e *event.Event) { e.Source = netip.MustParseAddrPort("127.0.0.2:5060") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newTest(t, Config{AllowPrivate: true})
			a.Add(base)
			e := *base
			tt.edit(&e)
			a.Add(&e)
			s := checkStats(t, a)
			if got := s.New == 1; got != tt.same {
				t.Errorf("same key = %v, want %v (stats %+v)", got, tt.same, s)
			}
		})
	}
}

func TestRecordFields(t *testing.T) {
	raw := strings.Repeat("x", 4096)
	e := &event.Event{
		Time:         t0,
		Transport:    event.TLS,
		Source:       netip.MustParseAddrPort("[fe80::1%eth0]:5061"),
		Destination:  netip.MustParseAddrPort("[fe80::2]:5061"),
		Method:       strings.Repeat("M", 40),
		CalledNumber: "sip:+44 (20) 7946-0958@example.com",
		UserAgent:    "sip\x00cli" + strings.Repeat("u", 300),
		Raw:          raw,
	}
	a, _ := newTest(t, Config{AllowPrivate: true})
	a.Add(e)
	recs := drain(a)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	checkRecords(t, recs)
	r := recs[0]
	if r.SourceIP != netip.MustParseAddr("fe80::1") {
		t.Errorf("SourceIP %v, want fe80::1 without zone", r.SourceIP)
	}
	if r.CalledNumber != "+442079460958" {
		t.Errorf("CalledNumber %q", r.CalledNumber)
	}
	if r.Method != strings.Repeat("M", record.MaxMethodLen) {
		t.Errorf("Method %q", r.Method)
	}
	if r.UserAgent != "sipcli"+strings.Repeat("u", 250) {
		t.Errorf("UserAgent %q", r.UserAgent)
	}
	if r.Transport != event.TLS || r.Count != 1 || !r.FirstSeen.Equal(t0) || !r.LastSeen.Equal(t0) {
		t.Errorf("record %+v", r)
	}
}

// TestKeyDoesNotPinEvent: event strings point into the whole message; the
// key the Aggregator keeps must be a copy.
func TestKeyDoesNotPinEvent(t *testing.T) {
	raw := "INVITE sip:100@h SIP/2.0\r\nUser-Agent: friendly-scanner\r\n\r\n" + strings.Repeat(" ", 60_000)
	e := probe("127.0.0.1", "100", t0)
	e.Raw = raw
	e.Method = raw[:6]
	e.CalledNumberNorm = raw[11:14]
	e.UserAgent = raw[38:54]
	if e.Method != "INVITE" || e.CalledNumberNorm != "100" || e.UserAgent != "friendly-scanner" {
		t.Fatalf("test slicing wrong: %q %q %q", e.Method, e.CalledNumberNorm, e.UserAgent)
	}
	a, _ := newTest(t, Config{AllowPrivate: true})
	a.Add(e)
	lo := uintptr(unsafe.Pointer(unsafe.StringData(raw)))
	hi := lo + uintptr(len(raw))
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.keys {
		for _, s := range []string{k.Number, k.Method, k.UserAgent} {
			if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= lo && p < hi {
				t.Errorf("key string %q points into the event's message", s)
			}
		}
	}
}

func TestNotShared(t *testing.T) {
	pfx := netip.MustParsePrefix
	tests := []struct {
		name    string
		cfg     Config
		e       *event.Event
		counter func(Stats) uint64
	}{
		{"allowlisted v4", Config{Allow: []netip.Prefix{pfx("9.9.9.0/24")}}, probe("9.9.9.9", "100", t0), func(s Stats) uint64 { return s.Allowlisted }},
		{"allowlisted v6", Config{Allow: []netip.Prefix{pfx("2606:4700::/32")}}, probe("2606:4700::1111", "100", t0), func(s Stats) uint64 { return s.Allowlisted }},
		{"allowlisted as mapped prefix", Config{Allow: []netip.Prefix{pfx("::ffff:9.9.9.0/120")}}, probe("9.9.9.9", "100", t0), func(s Stats) uint64 { return s.Allowlisted }},
		{"mapped source allowlisted", Config{Allow: []netip.Prefix{pfx("9.9.9.9/32")}}, probe("::ffff:9.9.9.9", "100", t0), func(s Stats) uint64 { return s.Allowlisted }},
		{"allowlisted even if private allowed", Config{AllowPrivate: true, Allow: []netip.Prefix{pfx("127.0.0.0/8")}}, probe("127.0.0.1", "100", t0), func(s Stats) uint64 { return s.Allowlisted }},
		{"private", Config{}, probe("10.1.2.3", "100", t0), func(s Stats) uint64 { return s.Private }},
		{"loopback", Config{}, probe("127.0.0.1", "100", t0), func(s Stats) uint64 { return s.Private }},
		{"unique local v6", Config{}, probe("fd00::1", "100", t0), func(s Stats) uint64 { return s.Private }},
		{"mapped private", Config{}, probe("::ffff:192.168.1.1", "100", t0), func(s Stats) uint64 { return s.Private }},
		{"nil event", Config{AllowPrivate: true}, nil, func(s Stats) uint64 { return s.Invalid }},
		{"no source", Config{AllowPrivate: true}, func() *event.Event { e := probe("9.9.9.9", "100", t0); e.Source = netip.AddrPort{}; return e }(), func(s Stats) uint64 { return s.Invalid }},
		{"no transport", Config{AllowPrivate: true}, func() *event.Event { e := probe("9.9.9.9", "100", t0); e.Transport = 0; return e }(), func(s Stats) uint64 { return s.Invalid }},
		{"time out of range", Config{AllowPrivate: true}, probe("9.9.9.9", "100", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)), func(s Stats) uint64 { return s.Invalid }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := newTest(t, tt.cfg)
			a.Add(tt.e)
			a.Flush()
			if got := drain(a); len(got) != 0 {
				t.Errorf("shared %q", show(got))
			}
			if s := checkStats(t, a); tt.counter(s) != 1 || s.Keys != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestPublicShared(t *testing.T) {
	for _, src := range []string{"9.9.9.9", "2606:4700::1111", "::ffff:9.9.9.9"} {
		t.Run(src, func(t *testing.T) {
			a, _ := newTest(t, Config{Allow: []netip.Prefix{netip.MustParsePrefix("9.9.8.0/24")}})
			a.Add(probe(src, "100", t0))
			recs := drain(a)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			if err := record.Validate(recs[0], t0, record.Limits{}); err != nil {
				t.Errorf("public record refused without AllowPrivate: %v", err)
			}
		})
	}
}

func TestEventTimeDefaultsToClock(t *testing.T) {
	a, c := newTest(t, Config{AllowPrivate: true})
	c.Advance(time.Hour)
	a.Add(probe("127.0.0.1", "100", time.Time{}))
	recs := drain(a)
	if len(recs) != 1 || !recs[0].LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("records %q, want one at the clock's time", show(recs))
	}
}

func TestBudget(t *testing.T) {
	a, c := newTest(t, Config{AllowPrivate: true, Rate: 1, Burst: 3})
	for i, src := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"} {
		a.Add(probe(src, "100", t0.Add(time.Duration(i)*time.Millisecond)))
	}
	a.Add(probe("127.0.0.5", "100", t0.Add(10*time.Millisecond))) // folds into the deferred key
	if got, want := show(drain(a)), []string{
		"127.0.0.1 100 n=1 0s..0s", "127.0.0.2 100 n=1 1ms..1ms", "127.0.0.3 100 n=1 2ms..2ms",
	}; !eq(got, want) {
		t.Fatalf("within burst: %q, want %q", got, want)
	}
	c.Advance(500 * time.Millisecond)
	a.Add(probe("127.0.0.6", "100", t0.Add(500*time.Millisecond)))
	if got := drain(a); len(got) != 0 {
		t.Fatalf("half a token sent %q", show(got))
	}
	c.Advance(600 * time.Millisecond)
	a.Add(probe("127.0.0.7", "100", t0.Add(1100*time.Millisecond)))
	if got, want := show(drain(a)), []string{"127.0.0.7 100 n=1 1.1s..1.1s"}; !eq(got, want) {
		t.Fatalf("after refill: %q, want %q", got, want)
	}
	a.Flush()
	recs := drain(a)
	checkRecords(t, recs)
	if got, want := show(recs), []string{
		"127.0.0.4 100 n=1 3ms..3ms", "127.0.0.5 100 n=2 4ms..10ms", "127.0.0.6 100 n=1 500ms..500ms",
	}; !eq(got, want) {
		t.Errorf("flush: %q, want %q", got, want)
	}
	if s := checkStats(t, a); s.Deferred != 3 || s.Records != 7 || s.New != 7 {
		t.Errorf("stats %+v", s)
	}
}

func TestBucketClockBack(t *testing.T) {
	b := bucket{rate: 1, burst: 1, tokens: 1}
	if !b.take(t0) {
		t.Fatal("full bucket refused")
	}
	if b.take(t0.Add(-time.Hour)) {
		t.Error("clock stepping back refilled the bucket")
	}
	if b.take(t0.Add(500 * time.Millisecond)) {
		t.Error("half a second gave a whole token")
	}
	if !b.take(t0.Add(time.Second)) {
		t.Error("one second did not give a token")
	}
}

func TestOutFull(t *testing.T) {
	a, _ := newTest(t, Config{AllowPrivate: true, OutBuffer: 2})
	a.Add(probe("127.0.0.1", "100", t0))
	a.Add(probe("127.0.0.2", "100", t0))
	a.Add(probe("127.0.0.3", "100", t0)) // Out full: held
	a.Add(probe("127.0.0.1", "100", t0.Add(time.Second)))
	a.Flush() // still full: both pending records are held
	if s := checkStats(t, a); s.Records != 2 || s.OutFull != 3 || s.Deferred != 1 {
		t.Errorf("stats %+v", s)
	}
	a.Add(probe("127.0.0.3", "100", t0.Add(12*time.Second)))
	if got := len(drain(a)); got != 2 {
		t.Fatalf("drained %d, want 2", got)
	}
	a.Flush()
	recs := drain(a)
	checkRecords(t, recs)
	if got, want := show(recs), []string{"127.0.0.1 100 n=1 1s..1s", "127.0.0.3 100 n=2 0s..12s"}; !eq(got, want) {
		t.Errorf("after draining: %q, want %q", got, want)
	}
}

func TestMaxKeys(t *testing.T) {
	a, _ := newTest(t, Config{AllowPrivate: true, MaxKeys: 2})
	a.Add(probe("127.0.0.1", "100", t0))
	a.Add(probe("127.0.0.2", "100", t0))
	a.Add(probe("127.0.0.3", "100", t0)) // dropped
	a.Add(probe("127.0.0.1", "100", t0)) // tracked keys still fold
	if got := len(drain(a)); got != 2 {
		t.Errorf("%d records, want 2", got)
	}
	if s := checkStats(t, a); s.DroppedMaxKeys != 1 || s.Folded != 1 || s.Keys != 2 {
		t.Errorf("stats %+v", s)
	}
	a.Flush()
	a.Flush() // 127.0.0.2 forgotten: room again
	a.Add(probe("127.0.0.3", "100", t0.Add(30*time.Second)))
	if got, want := show(drain(a)), []string{"127.0.0.1 100 n=1 0s..0s", "127.0.0.3 100 n=1 30s..30s"}; !eq(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNewPanicsWithoutKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted a config without a key")
		}
	}()
	New(Config{})
}

func TestCountSaturates(t *testing.T) {
	a, _ := newTest(t, Config{AllowPrivate: true})
	a.Add(probe("127.0.0.1", "100", t0))
	drain(a)
	a.mu.Lock()
	for _, en := range a.keys {
		en.pending, en.first, en.last = 1<<32-2, t0, t0
	}
	a.mu.Unlock()
	for range 3 {
		a.Add(probe("127.0.0.1", "100", t0))
	}
	a.Flush()
	if recs := drain(a); len(recs) != 1 || recs[0].Count != 1<<32-1 {
		t.Errorf("records %q, want one with count 2^32-1", show(recs))
	}
}

// TestShareOptions: the destination and raw message go out only when the
// operator turned them on, only with a key's first record, and a raw
// message over record.MaxRawLen is left out.
func TestShareOptions(t *testing.T) {
	dst := netip.MustParseAddrPort("[::ffff:192.0.2.10]:5060")
	ev := func(ip string, raw string) *event.Event {
		return &event.Event{Time: t0, Transport: event.UDP, Source: netip.MustParseAddrPort(ip + ":5062"),
			Destination: dst, Method: "OPTIONS", CalledNumber: "100", Raw: raw}
	}
	short := "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n\r\n"
	long := strings.Repeat("x", record.MaxRawLen+1)
	tests := []struct {
		name     string
		cfg      Config
		raw      string
		wantDest netip.AddrPort
		wantRaw  string
	}{
		{"off by default", Config{}, short, netip.AddrPort{}, ""},
		{"destination", Config{ShareDestination: true}, short, netip.MustParseAddrPort("192.0.2.10:5060"), ""},
		{"raw", Config{ShareRaw: true}, short, netip.AddrPort{}, short},
		{"raw too long", Config{ShareRaw: true}, long, netip.AddrPort{}, ""},
		{"both", Config{ShareRaw: true, ShareDestination: true}, short, netip.MustParseAddrPort("192.0.2.10:5060"), short},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newTest(t, tc.cfg)
			a.Add(ev("45.134.1.1", tc.raw))
			a.Add(ev("45.134.1.1", tc.raw)) // folded
			a.Flush()
			recs := drain(a)
			if len(recs) != 2 {
				t.Fatalf("%d records, want the first and one update", len(recs))
			}
			checkRecords(t, recs)
			if r := recs[0]; r.Destination != tc.wantDest || r.Raw != tc.wantRaw {
				t.Errorf("first record: destination %v, raw %d bytes; want %v, %d bytes", r.Destination, len(r.Raw), tc.wantDest, len(tc.wantRaw))
			}
			if r := recs[1]; r.Destination.IsValid() || r.Raw != "" {
				t.Errorf("update carries destination %v, raw %d bytes; want neither", r.Destination, len(r.Raw))
			}
		})
	}
}
