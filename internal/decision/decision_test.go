package decision

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		in, value string
		kind      Kind
		bits      int
		err       bool
	}{
		{in: "198.51.100.7", value: "198.51.100.7", kind: IP, bits: 32},
		{in: " 2001:db8::1 ", value: "2001:db8::1", kind: IP, bits: 128},
		{in: "::ffff:198.51.100.7", value: "198.51.100.7", kind: IP, bits: 32},
		{in: "fe80::1%eth0", value: "fe80::1", kind: IP, bits: 128},
		{in: "198.51.100.9/24", value: "198.51.100.0/24", kind: Net, bits: 24},
		{in: "198.51.100.9/32", value: "198.51.100.9", kind: IP, bits: 32},
		{in: "2001:db8::/48", value: "2001:db8::/48", kind: Net, bits: 48},
		{in: "0046701234567", value: "0046701234567", kind: Number},
		{in: "+4670*12#", value: "+4670*12#", kind: Number},
		{in: "+", err: true},
		{in: "not a value", err: true},
		{in: "", err: true},
		{in: "1.2.3.4/33", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, k, p, err := ParseValue(tt.in)
			if tt.err {
				if !errors.Is(err, ErrBadValue) {
					t.Fatalf("ParseValue(%q) = %q, %v; want ErrBadValue", tt.in, v, err)
				}
				return
			}
			if err != nil || v != tt.value || k != tt.kind || (k != Number && p.Bits() != tt.bits) {
				t.Fatalf("ParseValue(%q) = %q, %v, %v, %v; want %q, %v, /%d", tt.in, v, k, p, err, tt.value, tt.kind, tt.bits)
			}
		})
	}
}

func TestNever(t *testing.T) {
	n := NewNever([]netip.Prefix{netip.MustParsePrefix("192.0.2.128/25"), netip.MustParsePrefix("2a00:1::/32")},
		[]netip.Addr{netip.MustParseAddr("203.0.113.5"), netip.MustParseAddr("8.8.4.4")}, true)
	strict := NewNever(nil, nil, false)
	p := netip.MustParsePrefix
	tests := []struct {
		name  string
		never *Never
		p     netip.Prefix
		want  bool
	}{
		{"allowed network", n, p("192.0.2.200/32"), true},
		{"outside it", n, p("192.0.2.1/32"), false},
		{"own address", n, p("8.8.4.4/32"), true},
		{"a network holding an own address", n, p("8.8.0.0/16"), true},
		{"a network overlapping an allowed one", n, p("192.0.2.0/24"), true},
		{"ipv6 allowed", n, p("2a00:1::5/128"), true},
		{"private allowed with AllowPrivate", n, p("10.77.0.2/32"), false},
		{"loopback never, even with AllowPrivate", n, p("127.0.0.5/32"), true},
		{"ipv6 loopback", n, p("::1/128"), true},
		{"loopback blocked without it", strict, p("127.0.0.1/32"), true},
		{"bogon 10/8", strict, p("10.77.0.2/32"), true},
		{"ula", strict, p("fd00::1/128"), true},
		{"public", strict, p("8.8.8.8/32"), false},
		{"nil set", nil, p("127.0.0.1/32"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.never.Blocks(tt.p); got != tt.want {
				t.Errorf("Blocks(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func newEngine(c *clock, cfg Config) *Engine {
	cfg.Now = c.Now
	if cfg.Never == nil {
		cfg.Never = NewNever(nil, []netip.Addr{netip.MustParseAddr("8.8.4.4")}, false)
	}
	return New(cfg)
}

func drain(s *Subscription) []Change {
	var out []Change
	for {
		select {
		case c := <-s.C():
			out = append(out, c)
		default:
			return out
		}
	}
}

func TestObserve(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{BlockFor: time.Hour})
	sub := e.Subscribe("test")
	ip := netip.MustParseAddr("8.8.8.8")
	e.Observe(Evidence{IP: ip, Number: "0046701", Origin: Local, Reporters: 1, At: t0})
	ch := drain(sub)
	if len(ch) != 2 || ch[0].Op != Added || ch[0].Decision.Value != "8.8.8.8" || ch[1].Decision.Kind != Number {
		t.Fatalf("first sighting: changes %+v", ch)
	}
	if d, _ := e.Get("8.8.8.8"); !d.Until.Equal(t0.Add(time.Hour)) || d.Origin != Local || d.Prefix.Bits() != 32 {
		t.Fatalf("decision %+v", d)
	}
	// A sighting 10 s later extends Until, but is not news to blockers
	// (under a minute); 2 minutes later it is.
	e.Observe(Evidence{IP: ip, Origin: Local, Reporters: 1, At: t0.Add(10 * time.Second)})
	if d, _ := e.Get("8.8.8.8"); !d.Until.Equal(t0.Add(time.Hour+10*time.Second)) || len(drain(sub)) != 0 {
		t.Fatalf("small extension: %+v, or told", d)
	}
	e.Observe(Evidence{IP: ip, Origin: Peers, Reporters: 3, At: t0.Add(2 * time.Minute)})
	ch = drain(sub)
	if len(ch) != 1 || ch[0].Op != Added || !ch[0].Decision.Until.Equal(t0.Add(62*time.Minute)) || ch[0].Decision.Reporters != 3 || ch[0].Decision.Origin != Local {
		t.Fatalf("extension: %+v", ch)
	}
	// Protected addresses never become decisions.
	for _, a := range []string{"8.8.4.4", "127.0.0.1", "10.1.2.3"} {
		e.Observe(Evidence{IP: netip.MustParseAddr(a), Origin: Local, At: t0})
		if _, ok := e.Get(a); ok {
			t.Errorf("%s became a decision", a)
		}
	}
	if s := e.Stats(); s.Refused != 3 || s.ByOrigin[Local] != 2 {
		t.Errorf("stats %+v", s)
	}
	// Expiry tells subscribers.
	c.add(63 * time.Minute)
	e.Expire()
	if ch = drain(sub); len(ch) != 2 || ch[0].Op != Removed {
		t.Fatalf("after expiry: %+v", ch)
	}
}

func TestEvidenceProven(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{Evidence: Proven})
	e.Observe(Evidence{IP: netip.MustParseAddr("8.8.8.8"), Origin: Local, At: t0})               // spoofable UDP
	e.Observe(Evidence{IP: netip.MustParseAddr("9.9.9.9"), Origin: Local, Proven: true, At: t0}) // TCP
	if _, ok := e.Get("8.8.8.8"); ok {
		t.Error("an unproven sighting made a decision with --block-evidence proven")
	}
	if _, ok := e.Get("9.9.9.9"); !ok {
		t.Error("a proven sighting made no decision")
	}
}

func TestBlockUnblock(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{})
	sub := e.Subscribe("test")
	if _, err := e.Block("8.8.4.4", 0, ""); !errors.Is(err, ErrProtected) {
		t.Errorf("blocking an own address: %v", err)
	}
	if _, err := e.Block("8.0.0.0/8", 0, ""); !errors.Is(err, ErrProtected) {
		t.Errorf("blocking a network holding an own address: %v", err)
	}
	if _, err := e.Block("nonsense", 0, ""); !errors.Is(err, ErrBadValue) {
		t.Errorf("blocking nonsense: %v", err)
	}
	d, err := e.Block("198.18.0.0/15", time.Hour, "lab")
	if !errors.Is(err, ErrProtected) {
		t.Errorf("a bogon network: %v, %+v", err, d)
	}
	d, err = e.Block("1.2.3.0/24", time.Hour, "scanner farm")
	if err != nil || d.Kind != Net || d.Origin != Manual || !d.Until.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Block = %+v, %v", d, err)
	}
	ip := netip.MustParseAddr("8.8.8.8")
	e.Observe(Evidence{IP: ip, Origin: Local, At: t0})
	if ok, err := e.Unblock("8.8.8.8"); !ok || err != nil {
		t.Fatalf("Unblock = %v, %v", ok, err)
	}
	e.Observe(Evidence{IP: ip, Origin: Local, At: t0.Add(time.Minute)})
	if _, ok := e.Get("8.8.8.8"); ok {
		t.Error("an unblocked address came back on a new sighting")
	}
	if _, err := e.Block("8.8.8.8", 0, ""); err != nil {
		t.Fatal(err)
	}
	e.Unblock("8.8.8.8")
	e.Block("8.8.8.8", 0, "")
	e.Unblock("8.8.8.8")
	if _, err := e.Block("8.8.8.8", time.Minute, ""); err != nil {
		t.Fatal(err)
	}
	e.Observe(Evidence{IP: ip, Origin: Local, At: t0.Add(time.Hour)})
	if d, _ := e.Get("8.8.8.8"); d.Origin != Manual || !d.Until.Equal(t0.Add(time.Minute)) {
		t.Errorf("a sighting changed a manual decision: %+v", d)
	}
	var ops []Op
	for _, ch := range drain(sub) {
		ops = append(ops, ch.Op)
	}
	want := []Op{Added, Added, Removed, Added, Removed, Added, Removed, Added}
	if len(ops) != len(want) {
		t.Fatalf("ops %v, want %v", ops, want)
	}
	for i := range ops {
		if ops[i] != want[i] {
			t.Fatalf("ops %v, want %v", ops, want)
		}
	}
}

func TestCap(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{Max: 3})
	for i, r := range []int{1, 3, 2} {
		e.Observe(Evidence{IP: netip.AddrFrom4([4]byte{8, 8, 8, byte(i)}), Origin: Peers, Reporters: r, At: t0})
	}
	e.Observe(Evidence{IP: netip.MustParseAddr("9.9.9.9"), Origin: Local, At: t0})
	if _, ok := e.Get("8.8.8.0"); ok {
		t.Error("the weakest (one peer reporter) was kept past the cap")
	}
	if _, ok := e.Get("9.9.9.9"); !ok {
		t.Error("a local sighting did not push out a weaker one")
	}
	e.Observe(Evidence{IP: netip.MustParseAddr("8.8.8.9"), Origin: Peers, Reporters: 1, At: t0})
	if _, ok := e.Get("8.8.8.9"); ok {
		t.Error("a decision weaker than all held got in")
	}
	if s := e.Stats(); s.Evicted != 2 {
		t.Errorf("evicted %d, want 2", s.Evicted)
	}
}

func TestSubscriptionLost(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{Max: 10 * SubscriptionQueue})
	sub := e.Subscribe("slow")
	for i := range SubscriptionQueue + 5 {
		e.Observe(Evidence{IP: netip.AddrFrom4([4]byte{8, 9, byte(i >> 8), byte(i)}), Origin: Local, At: t0})
	}
	if !sub.Lost() || sub.Dropped() != 5 || sub.Lost() {
		t.Errorf("lost/dropped not reported once: dropped %d", sub.Dropped())
	}
}

func TestList(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{})
	for _, a := range []string{"8.8.8.3", "8.8.8.1", "8.8.8.2"} {
		e.Observe(Evidence{IP: netip.MustParseAddr(a), Number: "00" + a[len(a)-1:], Origin: Local, At: t0})
	}
	page, more := e.List(Filter{Kind: IP, Limit: 2})
	if len(page) != 2 || !more || page[0].Value != "8.8.8.1" {
		t.Fatalf("first page %+v, %v", page, more)
	}
	page, more = e.List(Filter{Kind: IP, Limit: 2, After: page[1].Value})
	if len(page) != 1 || more || page[0].Value != "8.8.8.3" {
		t.Fatalf("second page %+v, %v", page, more)
	}
	if nums, _ := e.List(Filter{Kind: Number, Contains: "002"}); len(nums) != 1 {
		t.Fatalf("numbers %+v", nums)
	}
	for i := range 20 {
		e.Observe(Evidence{IP: netip.AddrFrom4([4]byte{9, 9, 9, byte(i)}), Origin: Local, At: t0.Add(time.Duration(i) * time.Second)})
	}
	latest := e.Latest(3)
	if len(latest) != 3 || latest[0].Value != "9.9.9.19" || latest[2].Value != "9.9.9.17" {
		t.Fatalf("latest %+v", latest)
	}
}

// memStore is a Store in memory.
type memStore struct {
	ds    map[string]Decision
	unbl  map[string]bool
	fail  bool
	saves int
}

func (m *memStore) LoadDecisions(context.Context) ([]Decision, []string, error) {
	var ds []Decision
	for _, d := range m.ds {
		ds = append(ds, d)
	}
	var u []string
	for v := range m.unbl {
		u = append(u, v)
	}
	return ds, u, nil
}

func (m *memStore) SaveDecisions(_ context.Context, put []Decision, del, unbl, lift []string) error {
	if m.fail {
		return errors.New("disk full")
	}
	m.saves++
	for _, d := range put {
		m.ds[d.Value] = d
	}
	for _, v := range del {
		delete(m.ds, v)
	}
	for _, v := range unbl {
		m.unbl[v] = true
	}
	for _, v := range lift {
		delete(m.unbl, v)
	}
	return nil
}

func TestPersist(t *testing.T) {
	c := &clock{now: t0}
	st := &memStore{ds: map[string]Decision{}, unbl: map[string]bool{}}
	e := newEngine(c, Config{Store: st})
	e.Block("1.2.3.4", time.Hour, "x")
	e.Observe(Evidence{IP: netip.MustParseAddr("8.8.8.8"), Origin: Local, At: t0})
	e.Unblock("8.8.8.8")
	st.fail = true
	if err := e.flush(t.Context(), everything); err == nil {
		t.Fatal("a failed save was not reported")
	}
	st.fail = false
	if err := e.flush(t.Context(), everything); err != nil {
		t.Fatal(err)
	}
	if len(st.ds) != 1 || !st.unbl["8.8.8.8"] {
		t.Fatalf("stored %+v, unblocked %v", st.ds, st.unbl)
	}
	// A restart restores the set and the unblock; what expired meanwhile
	// is dropped.
	e.Block("5.6.7.8", time.Minute, "")
	e.flush(t.Context(), everything)
	c.add(2 * time.Minute)
	e2 := newEngine(c, Config{Store: st})
	if err := e2.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := e2.Get("1.2.3.4"); !ok {
		t.Error("a stored decision was not loaded")
	}
	if _, ok := e2.Get("5.6.7.8"); ok {
		t.Error("an expired decision was loaded")
	}
	e2.Observe(Evidence{IP: netip.MustParseAddr("8.8.8.8"), Origin: Local, At: c.Now()})
	if _, ok := e2.Get("8.8.8.8"); ok {
		t.Error("an unblock did not survive the restart")
	}
}

func TestCovers(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{})
	e.Block("1.2.0.0/16", time.Hour, "wide")
	e.Block("1.2.3.0/24", time.Hour, "narrow")
	e.Observe(Evidence{IP: netip.MustParseAddr("1.2.3.4"), Origin: Local, At: t0})
	tests := []struct {
		ip, want string
	}{
		{"1.2.3.9", "1.2.3.0/24"},
		{"::ffff:1.2.9.9", "1.2.0.0/16"},
		{"1.3.0.1", ""},
		{"1.2.3.4", "1.2.3.0/24"}, // an IP decision of its own is Get's to find
	}
	for _, tt := range tests {
		d, ok := e.Covers(netip.MustParseAddr(tt.ip))
		if ok != (tt.want != "") || d.Value != tt.want {
			t.Errorf("Covers(%s) = %q, %v; want %q", tt.ip, d.Value, ok, tt.want)
		}
	}
	e.Unblock("1.2.3.0/24")
	if d, _ := e.Covers(netip.MustParseAddr("1.2.3.9")); d.Value != "1.2.0.0/16" {
		t.Errorf("after unblocking the /24: %q", d.Value)
	}
}

// TestCapUnderAFlood: a toll-fraud flood past --block-max (a new number
// per probe) pushes out the oldest in constant time each, not by a scan
// of the set: 300,000 new numbers into a cap of 100,000. Each new number
// past the cap may cost a few times one below it (an eviction and an
// insertion), not the thousands of times a scan of the set would.
func TestCapUnderAFlood(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{Max: 100_000})
	observe := func(from, to int) time.Duration {
		start := time.Now()
		for i := from; i < to; i++ {
			e.Observe(Evidence{Number: fmt.Sprintf("004670%07d", i), Origin: Local, Reporters: 1, At: t0.Add(time.Duration(i) * time.Microsecond)})
		}
		return time.Since(start) / time.Duration(to-from)
	}
	below := observe(0, 100_000)
	past := observe(100_000, 300_000)
	t.Logf("a new number: %v below the cap, %v past it", below, past)
	if e.Len() != 100_000 || e.Stats().Evicted != 200_000 {
		t.Fatalf("%d held, %d evicted", e.Len(), e.Stats().Evicted)
	}
	if _, ok := e.Get("0046700299999"); !ok {
		t.Error("the newest number was pushed out")
	}
	if _, ok := e.Get("0046700000000"); ok {
		t.Error("the oldest number is still held")
	}
	if past > 10*below {
		t.Errorf("a new number costs %v past the cap against %v below it: eviction is not constant time", past, below)
	}
}

// TestPersistLazily: decisions other than the operator's are written only
// when the flush's limit allows, removals of written ones at once, and a
// value removed before it was ever written leaves nothing behind.
func TestPersistLazily(t *testing.T) {
	c := &clock{now: t0}
	st := &memStore{ds: map[string]Decision{}, unbl: map[string]bool{}}
	e := newEngine(c, Config{Store: st})
	ip := netip.MustParseAddr("8.8.8.8")
	e.Observe(Evidence{IP: ip, Origin: Local, At: t0})
	e.Block("9.9.9.9", time.Hour, "")
	e.flush(t.Context(), 0)
	if _, ok := st.ds["9.9.9.9"]; !ok || len(st.ds) != 1 {
		t.Fatalf("after a flush of no others the store holds %v; want only the manual block", st.ds)
	}
	e.flush(t.Context(), everything)
	if _, ok := st.ds["8.8.8.8"]; !ok {
		t.Fatal("a full flush did not write the local decision")
	}
	// Removed, made again (not written), removed again: the row goes.
	e.Unblock("8.8.8.8")
	e.Block("8.8.8.8", time.Hour, "")
	e.Unblock("8.8.8.8")
	e.flush(t.Context(), 0)
	if _, ok := st.ds["8.8.8.8"]; ok {
		t.Error("a decision removed twice is still in the store")
	}
	// Never written, removed: nothing to write but the expired 9.9.9.9.
	e.flush(t.Context(), everything)
	saves := st.saves
	e.Observe(Evidence{IP: netip.MustParseAddr("7.7.7.7"), Origin: Local, At: t0})
	c.add(200 * time.Hour)
	e.Expire()
	e.flush(t.Context(), everything)
	if len(st.ds) != 0 || st.saves != saves+1 {
		t.Errorf("after the expiry the store holds %v (%d saves); want nothing, in one save", st.ds, st.saves-saves)
	}
	if e.flush(t.Context(), everything); st.saves != saves+1 {
		t.Error("a flush with nothing changed wrote to the store")
	}
}

// TestPersistAtARate: a flush writes at most its limit of decisions other
// than the operator's, those changed first first, and the rest later; the
// operator's go at once whatever the limit.
func TestPersistAtARate(t *testing.T) {
	c := &clock{now: t0}
	st := &memStore{ds: map[string]Decision{}, unbl: map[string]bool{}}
	e := newEngine(c, Config{Store: st})
	for i := range 5 {
		e.Observe(Evidence{Number: "+4420" + strconv.Itoa(i), Origin: Local, At: t0})
	}
	e.Block("9.9.9.9", time.Hour, "")
	for _, tc := range []struct {
		limit int
		want  []string
	}{
		{2, []string{"+44200", "+44201", "9.9.9.9"}},
		{2, []string{"+44200", "+44201", "+44202", "+44203", "9.9.9.9"}},
		{2, []string{"+44200", "+44201", "+44202", "+44203", "+44204", "9.9.9.9"}},
	} {
		if err := e.flush(t.Context(), tc.limit); err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(maps.Keys(st.ds))
		if !slices.Equal(got, tc.want) {
			t.Fatalf("after a flush of %d the store holds %v; want %v", tc.limit, got, tc.want)
		}
	}
	if len(e.dirty) != 0 {
		t.Errorf("%d ids still listed to write after everything was written", len(e.dirty))
	}
}

// TestExpireAfterAnEarlierDecision: Expire skips its scan until the
// soonest end it knows of, so a decision that ends sooner than every one
// before it must move that bound, or it would outlive its time.
func TestExpireAfterAnEarlierDecision(t *testing.T) {
	c := &clock{now: t0}
	e := newEngine(c, Config{BlockFor: time.Hour})
	e.Observe(Evidence{IP: netip.MustParseAddr("8.8.8.8"), Origin: Local, At: t0}) // ends t0+1h
	c.add(10 * time.Minute)
	e.Expire()
	if want := t0.Add(time.Hour).UnixNano(); e.soonest != want {
		t.Fatalf("soonest after a scan = %d, want the 1 h decision's end %d", e.soonest, want)
	}
	// Seen 50 minutes ago (a peer's late report): ends in 10 minutes.
	e.Observe(Evidence{IP: netip.MustParseAddr("9.9.9.9"), Origin: Peers, Reporters: 3, At: t0.Add(-40 * time.Minute)})
	c.add(11 * time.Minute)
	e.Expire()
	if _, ok := e.Get("9.9.9.9"); ok {
		t.Error("the earlier decision outlived its end")
	}
	if _, ok := e.Get("8.8.8.8"); !ok {
		t.Error("the later decision went too soon")
	}
	c.add(time.Hour)
	e.Expire()
	if n := e.Len(); n != 0 {
		t.Errorf("%d decisions left after every end", n)
	}
}
