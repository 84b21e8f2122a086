package index

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

var (
	self = event.UUID{1}
	t0   = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
)

// clock is a settable Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time   { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time)  { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func newClock(t time.Time) *clock { return &clock{now: t} }
func ip(s string) netip.Addr      { return netip.MustParseAddr(s) }
func at(min int) time.Time        { return t0.Add(time.Duration(min) * time.Minute) }
func probe(min int, src, number, method, ua string) *event.Event {
	return &event.Event{
		Time: at(min), NodeID: self, Source: netip.AddrPortFrom(ip(src), 5060),
		Method: method, CalledNumberNorm: number, UserAgent: ua,
	}
}

func newIndex(c *clock, maxEvents int) *Index {
	return New(Config{MaxAge: time.Hour, MaxEvents: maxEvents, Now: c.Now})
}

func TestCheck(t *testing.T) {
	c := newClock(at(10))
	x := newIndex(c, 0)
	x.Add(
		probe(1, "198.51.100.1", "0044", "OPTIONS", "a"),
		probe(2, "198.51.100.1", "0044", "INVITE", "b"),
	)
	x.AddReports(Report{SourceIP: ip("2001:db8::1"), Method: "INVITE", UserAgent: "b", First: at(3), Last: at(3), Count: 1, Reporter: [32]byte{9}})
	x.Add(probe(4, "198.51.100.1", "", "FOO", ""))
	tests := []struct {
		name  string
		check func() (Entry, bool)
		want  Entry
		found bool
	}{
		{name: "ip", check: func() (Entry, bool) { return x.CheckIP(ip("198.51.100.1")) }, found: true,
			want: Entry{Key: "198.51.100.1", First: at(1), Last: at(4), Count: 3, Methods: []string{"OTHER", "INVITE", "OPTIONS"}, UserAgents: []string{"a", "b"}, Sources: Local, Reporters: 1, Enforce: true}},
		{name: "ipv6 from a peer", check: func() (Entry, bool) { return x.CheckIP(ip("2001:db8::1")) }, found: true,
			want: Entry{Key: "2001:db8::1", First: at(3), Last: at(3), Count: 1, Methods: []string{"INVITE"}, UserAgents: []string{"b"}, Sources: Peer, Reporters: 1}},
		{name: "zone ignored", check: func() (Entry, bool) { return x.CheckIP(ip("2001:db8::1%eth0")) }, found: true,
			want: Entry{Key: "2001:db8::1", First: at(3), Last: at(3), Count: 1, Methods: []string{"INVITE"}, UserAgents: []string{"b"}, Sources: Peer, Reporters: 1}},
		{name: "unknown ip", check: func() (Entry, bool) { return x.CheckIP(ip("198.51.100.2")) }},
		{name: "number", check: func() (Entry, bool) { return x.CheckNumber("0044") }, found: true,
			want: Entry{Key: "0044", First: at(1), Last: at(2), Count: 2, Methods: []string{"INVITE", "OPTIONS"}, UserAgents: []string{"a", "b"}, Sources: Local, Reporters: 1, Enforce: true}},
		{name: "unknown number", check: func() (Entry, bool) { return x.CheckNumber("0045") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := tt.check()
			if found != tt.found || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %+v, %v\nwant %+v, %v", got, found, tt.want, tt.found)
			}
		})
	}
	t.Run("summaries match entries", func(t *testing.T) {
		for _, k := range []string{"198.51.100.1", "2001:db8::1", "198.51.100.2"} {
			e, ok1 := x.CheckIP(ip(k))
			s, ok2 := x.SummaryIP(ip(k))
			if ok1 != ok2 || s != (Summary{e.First, e.Last, e.Count, e.Sources, e.Reporters, e.Enforce, e.Trusted}) {
				t.Errorf("%s: summary %+v, %v; entry %+v, %v", k, s, ok2, e, ok1)
			}
		}
		for _, k := range []string{"0044", "0045"} {
			e, ok1 := x.CheckNumber(k)
			s, ok2 := x.SummaryNumber(k)
			if ok1 != ok2 || s != (Summary{e.First, e.Last, e.Count, e.Sources, e.Reporters, e.Enforce, e.Trusted}) {
				t.Errorf("%s: summary %+v, %v; entry %+v, %v", k, s, ok2, e, ok1)
			}
		}
	})
}

func TestExpire(t *testing.T) {
	c := newClock(at(0))
	x := newIndex(c, 0)
	x.Add(
		probe(0, "198.51.100.1", "1", "INVITE", "a"),
		probe(10, "198.51.100.2", "1", "OPTIONS", "b"),
		probe(20, "198.51.100.1", "2", "INVITE", "a"),
		probe(30, "198.51.100.1", "1", "INVITE", "a"),
	)
	c.set(at(65)) // the window is an hour: the event at 0 ages out
	x.Expire()
	e, _ := x.CheckIP(ip("198.51.100.1"))
	if e.Count != 2 || !e.First.Equal(at(20)) {
		t.Errorf("after one expiry: %+v, want count 2 from minute 20", e)
	}
	n, _ := x.CheckNumber("1")
	if n.Count != 2 || !n.First.Equal(at(10)) {
		t.Errorf("number 1 after one expiry: %+v, want count 2 from minute 10", n)
	}
	c.set(at(85))
	x.Expire()
	if _, ok := x.CheckIP(ip("198.51.100.2")); ok {
		t.Error("198.51.100.2 still indexed after its only event aged out")
	}
	if _, ok := x.CheckNumber("2"); ok {
		t.Error("number 2 still indexed after its only event aged out")
	}
	s := x.Stats(10)
	if s.Events != 1 || s.IPs != 1 || s.Numbers != 1 || fmt.Sprint(s.Methods) != "[{INVITE 1}]" || fmt.Sprint(s.TopUserAgents) != "[{a 1}]" {
		t.Errorf("stats after expiry: %+v", s)
	}
	// Events already outside the window are not indexed.
	x.Add(probe(0, "198.51.100.9", "", "INVITE", ""))
	if _, ok := x.CheckIP(ip("198.51.100.9")); ok || x.Stats(1).Stale != 1 {
		t.Error("a stale event was indexed, or not counted as stale")
	}
}

func TestEvict(t *testing.T) {
	c := newClock(at(0))
	x := newIndex(c, 3)
	for i := range 5 {
		x.Add(probe(i, fmt.Sprintf("198.51.100.%d", i%2), "", "INVITE", ""))
	}
	s := x.Stats(10)
	if s.Events != 3 || s.Evicted != 2 {
		t.Fatalf("events %d evicted %d, want 3 and 2", s.Events, s.Evicted)
	}
	if e, _ := x.CheckIP(ip("198.51.100.0")); e.Count != 2 || !e.First.Equal(at(2)) {
		t.Errorf("198.51.100.0 = %+v, want its events at minutes 2 and 4", e)
	}
}

func TestList(t *testing.T) {
	c := newClock(at(30))
	x := newIndex(c, 0)
	// .1: 3 events, minutes 1..3; .2: 1 event at 5; .3: 2 events at 0 and 4.
	for _, p := range []struct {
		min int
		ip  string
	}{{0, "198.51.100.3"}, {1, "198.51.100.1"}, {2, "198.51.100.1"}, {3, "198.51.100.1"}, {4, "198.51.100.3"}, {5, "198.51.100.2"}} {
		x.Add(probe(p.min, p.ip, "n"+p.ip[len(p.ip)-1:], "INVITE", ""))
	}
	tests := []struct {
		name string
		l    List
		want []string
	}{
		{name: "last seen", l: List{Limit: 10}, want: []string{".2", ".3", ".1"}},
		{name: "first seen asc", l: List{Sort: ByFirstSeen, Asc: true, Limit: 10}, want: []string{".3", ".1", ".2"}},
		{name: "count", l: List{Sort: ByCount, Limit: 10}, want: []string{".1", ".3", ".2"}},
		{name: "key", l: List{Sort: ByKey, Asc: true, Limit: 10}, want: []string{".1", ".2", ".3"}},
		{name: "page 2", l: List{Sort: ByCount, Offset: 1, Limit: 1}, want: []string{".3"}},
		{name: "past the end", l: List{Offset: 3, Limit: 1}, want: nil},
		{name: "no limit", l: List{}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, got := x.IPs(tt.l)
			var keys []string
			for _, e := range got {
				keys = append(keys, e.Key[len(e.Key)-2:])
			}
			if total != 3 || !slices.Equal(keys, tt.want) {
				t.Errorf("IPs(%+v) = %d, %v; want 3, %v", tt.l, total, keys, tt.want)
			}
		})
	}
	if _, nums := x.Numbers(List{Sort: ByCount, Limit: 1}); len(nums) != 1 || nums[0].Key != "n1" || nums[0].Count != 3 {
		t.Errorf("top number = %+v, want n1 with 3", nums)
	}
	if all := x.AllIPs(); len(all) != 3 || all[0].Key != "198.51.100.1" {
		t.Errorf("AllIPs = %+v", all)
	}
}

func TestStats(t *testing.T) {
	c := newClock(t0.Add(30 * time.Minute))
	x := New(Config{MaxAge: 3 * time.Hour, Now: c.Now})
	x.Add(
		probe(-90, "198.51.100.1", "00441", "INVITE", "a"),
		probe(-30, "198.51.100.1", "00442", "INVITE", "a"),
		probe(5, "198.51.100.2", "00331", "OPTIONS", "b"),
		probe(6, "198.51.100.1", "", "REGISTER", "a"),
	)
	s := x.Stats(2)
	checks := []struct{ name, got, want string }{
		{"totals", fmt.Sprint(s.Events, s.IPs, s.Numbers, s.UserAgents), "4 2 3 2"},
		{"first", s.First.String(), at(-90).String()},
		{"top ips", fmt.Sprint(s.TopIPs), "[{198.51.100.1 3} {198.51.100.2 1}]"},
		{"top numbers (ties by value, cut to 2)", fmt.Sprint(s.TopNumbers), "[{00331 1} {00441 1}]"},
		{"prefixes", fmt.Sprint(s.TopPrefixes), "[{0044 2} {0033 1}]"},
		{"user agents", fmt.Sprint(s.TopUserAgents), "[{a 3} {b 1}]"},
		{"methods", fmt.Sprint(s.Methods), "[{INVITE 2} {OPTIONS 1} {REGISTER 1}]"},
		{"hours", fmt.Sprintf("%d %s %d %d %d", len(s.Hours), s.Hours[0].Hour.Format("15"), s.Hours[0].Count, s.Hours[1].Count, s.Hours[2].Count), "3 10 1 1 2"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: %s, want %s", ch.name, ch.got, ch.want)
		}
	}
}

// fakeStore replays events as a store would.
type fakeStore []*event.Event

func (f fakeStore) Scan(ctx context.Context, upTo int64, fn func(*event.Event) error) error {
	for _, e := range f[:upTo] {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func TestLoadThenRun(t *testing.T) {
	c := newClock(at(60))
	x := newIndex(c, 0)
	stored := fakeStore{probe(1, "198.51.100.1", "1", "INVITE", ""), probe(2, "198.51.100.1", "1", "INVITE", ""), probe(3, "198.51.100.7", "", "", "")}
	if x.Ready() {
		t.Fatal("ready before loading")
	}
	if err := x.Load(t.Context(), stored, 2); err != nil {
		t.Fatal(err)
	}
	if err := x.Run(t.Context(), event.QueueOf(probe(4, "198.51.100.1", "1", "OPTIONS", ""))); err != nil {
		t.Fatal(err)
	}
	e, _ := x.CheckIP(ip("198.51.100.1"))
	if !x.Ready() || e.Count != 3 {
		t.Errorf("ready %v, count %d; want true, 3", x.Ready(), e.Count)
	}
	if _, ok := x.CheckIP(ip("198.51.100.7")); ok {
		t.Error("an event after upTo was loaded")
	}
}

// TestConcurrent runs queries while events stream in, for the race
// detector, and checks the totals add up after.
func TestConcurrent(t *testing.T) {
	c := newClock(at(0))
	x := newIndex(c, 5000)
	const n = 20000
	q := event.NewQueue(n) // room for all: none is dropped
	done := make(chan error)
	go func() { done <- x.Run(t.Context(), q) }()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				x.CheckIP(ip("198.51.100.1"))
				x.IPs(List{Limit: 10})
				x.Stats(5)
			}
		})
	}
	for i := range n {
		q.Put(probe(i%50, fmt.Sprintf("198.51.100.%d", i%200), fmt.Sprint(i%70), "INVITE", fmt.Sprint(i%9)))
	}
	q.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	s := x.Stats(1)
	var sum int64
	_, all := x.IPs(List{Limit: 1000})
	for _, e := range all {
		sum += e.Count
	}
	if s.Events != 5000 || sum != 5000 || s.Evicted != 15000 {
		t.Errorf("events %d, sum of IP counts %d, evicted %d; want 5000, 5000, 15000", s.Events, sum, s.Evicted)
	}
}

func TestReports(t *testing.T) {
	c := newClock(at(0))
	trusted := [32]byte{7}
	x := New(Config{MaxAge: time.Hour, Now: c.Now, Quorum: 2, Trusted: [][32]byte{trusted}})
	report := func(min int, src string, reporter byte, count uint32) Report {
		return Report{SourceIP: ip(src), Number: "0044", Method: "INVITE", UserAgent: "ua", First: at(min - 1), Last: at(min), Count: count, Reporter: [32]byte{reporter}}
	}
	x.AddReports(report(1, "203.0.113.1", 1, 10))
	s, _ := x.SummaryIP(ip("203.0.113.1"))
	if s.Count != 10 || s.Reporters != 1 || s.Enforce || s.Sources != Peer || !s.First.Equal(at(0)) {
		t.Errorf("one peer: %+v; want count 10 from 1 reporter, not enforced", s)
	}
	x.AddReports(report(2, "203.0.113.1", 1, 5)) // the same peer again: no quorum
	if s, _ = x.SummaryIP(ip("203.0.113.1")); s.Reporters != 1 || s.Enforce || s.Count != 15 {
		t.Errorf("one peer twice: %+v", s)
	}
	x.AddReports(report(3, "203.0.113.1", 2, 1))
	if s, _ = x.SummaryIP(ip("203.0.113.1")); s.Reporters != 2 || !s.Enforce {
		t.Errorf("two peers: %+v; want a quorum", s)
	}
	x.AddReports(report(3, "203.0.113.2", 7, 1))
	if s, _ = x.SummaryIP(ip("203.0.113.2")); !s.Enforce {
		t.Errorf("a trusted peer: %+v; want enforced", s)
	}
	x.Add(probe(4, "203.0.113.3", "", "INVITE", ""))
	if s, _ = x.SummaryIP(ip("203.0.113.3")); !s.Enforce || s.Sources != Local {
		t.Errorf("seen here: %+v; want enforced", s)
	}
	if st := x.Stats(10); st.Events != 18 || fmt.Sprint(st.Methods) != "[{INVITE 18}]" || fmt.Sprint(st.TopUserAgents) != "[{ua 17}]" {
		t.Errorf("stats %+v", st)
	}

	// Reports age out by their last sighting, oldest first.
	c.set(at(61).Add(30 * time.Second))
	x.Expire()
	if s, _ = x.SummaryIP(ip("203.0.113.1")); s.Count != 6 || s.Reporters != 2 {
		t.Errorf("after the first report expired: %+v; want 6 from 2 reporters", s)
	}
	c.set(at(62).Add(30 * time.Second))
	x.Expire()
	if s, _ = x.SummaryIP(ip("203.0.113.1")); s.Count != 1 || s.Reporters != 1 || s.Enforce {
		t.Errorf("after peer 1's reports expired: %+v; want 1 from 1 reporter, not enforced", s)
	}
	c.set(at(62).Add(30*time.Second + time.Hour))
	x.Expire()
	if x.Stats(1).Events != 0 {
		t.Errorf("all expired, yet %d events", x.Stats(1).Events)
	}
	// A stale report is not indexed.
	x.AddReports(report(1, "203.0.113.9", 1, 1))
	if _, ok := x.SummaryIP(ip("203.0.113.9")); ok {
		t.Error("a stale report was indexed")
	}
}
