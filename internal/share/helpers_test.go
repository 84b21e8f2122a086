package share

import (
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
}

// clock is a settable Config.Now.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// newTest returns an Aggregator with test defaults (loopback allowed, a
// settable clock at t0) under cfg's non-zero fields.
func newTest(t testing.TB, cfg Config) (*Aggregator, *clock) {
	t.Helper()
	c := &clock{t: t0}
	if cfg.Key == nil {
		cfg.Key = testKey()
	}
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	return New(cfg), c
}

// probe returns an INVITE event from src to number at time at.
func probe(src, number string, at time.Time) *event.Event {
	return &event.Event{
		Time:             at,
		Transport:        event.UDP,
		Source:           netip.AddrPortFrom(netip.MustParseAddr(src), 5060),
		Destination:      netip.MustParseAddrPort("127.0.0.1:5060"),
		Method:           "INVITE",
		CalledNumber:     number,
		CalledNumberNorm: sip.NormaliseNumber(number),
		UserAgent:        "friendly-scanner",
		Raw:              "INVITE sip:" + number + "@127.0.0.1 SIP/2.0\r\n\r\n",
	}
}

// drain returns the records queued on Out now, without waiting.
func drain(a *Aggregator) []*record.Record {
	var out []*record.Record
	for {
		select {
		case r, ok := <-a.Out():
			if !ok {
				return out
			}
			out = append(out, r)
		default:
			return out
		}
	}
}

// show formats records as sorted "ip number count first+ last+" lines,
// times as offsets from t0.
func show(recs []*record.Record) []string {
	var s []string
	for _, r := range recs {
		s = append(s, fmt.Sprintf("%v %s n=%d %v..%v", r.SourceIP, r.CalledNumber, r.Count, r.FirstSeen.Sub(t0), r.LastSeen.Sub(t0)))
	}
	slices.Sort(s)
	return s
}

// checkRecords fails t unless every record validates (at the latest of its
// LastSeen) and is signed with testKey.
func checkRecords(t *testing.T, recs []*record.Record) {
	t.Helper()
	pub := testKey().Public().(ed25519.PublicKey)
	for _, r := range recs {
		if err := record.Validate(r, r.LastSeen, record.Limits{AllowPrivate: true}); err != nil {
			t.Errorf("record %+v: %v", r, err)
		}
		if !pub.Equal(r.Reporter) {
			t.Errorf("reporter %x, want the node key", r.Reporter)
		}
	}
}

// checkStats fails t unless every event is counted exactly once.
func checkStats(t *testing.T, a *Aggregator) Stats {
	t.Helper()
	s := a.Stats()
	if sum := s.Allowlisted + s.Private + s.Invalid + s.DroppedMaxKeys + s.New + s.Folded; sum != s.Events {
		t.Errorf("stats %+v: outcomes add up to %d, not Events", s, sum)
	}
	a.mu.Lock()
	n := len(a.keys)
	a.mu.Unlock()
	if s.Keys != n {
		t.Errorf("Stats.Keys = %d, map holds %d", s.Keys, n)
	}
	return s
}

func eq(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }
