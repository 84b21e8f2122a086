package index

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestIDSet(t *testing.T) {
	tests := []struct {
		name string
		tags []uint32 // ids are 1..len
		del  []int    // indexes into tags, removed in order
	}{
		{name: "distinct", tags: []uint32{1, 2, 3, 4}, del: []int{1, 3}},
		{name: "one probe run", tags: []uint32{5, 5, 5, 5, 5}, del: []int{0, 2, 4}},
		{name: "wraps the end", tags: []uint32{63, 63, 63, 0, 62}, del: []int{0, 4, 1}},
		{name: "grows", tags: func() []uint32 {
			out := make([]uint32, 500)
			for i := range out {
				out[i] = uint32(i * 7919)
			}
			return out
		}(), del: []int{0, 10, 499, 250}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s idSet
			for i, h := range tt.tags {
				s.insert(h, uint32(i+1))
			}
			gone := map[int]bool{}
			check := func() {
				t.Helper()
				for i, h := range tt.tags {
					id := uint32(i + 1)
					got := s.find(h, func(c uint32) bool { return c == id })
					if want := map[bool]uint32{false: id, true: 0}[gone[i]]; got != want {
						t.Fatalf("find(tag %d, id %d) = %d, want %d", h, id, got, want)
					}
				}
				if s.n != len(tt.tags)-len(gone) {
					t.Fatalf("n = %d, want %d", s.n, len(tt.tags)-len(gone))
				}
			}
			check()
			for _, i := range tt.del {
				s.remove(tt.tags[i], uint32(i+1))
				gone[i] = true
				check()
			}
		})
	}
}

// TestAgainstModel drives an index with a random mix of events, reports,
// expiries and budgets, and checks every count against a recount of the
// records it still holds: the slabs, compactions and id reuse must never
// lose or misplace a sighting.
func TestAgainstModel(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 1))
			c := newClock(t0)
			x := New(Config{MaxAge: time.Hour, MaxEvents: 30_000, Now: c.Now, Trusted: [][32]byte{{7}}})
			type held struct {
				ip     netip.Addr
				number string
				count  int64
				local  bool
			}
			var log []held // what was added, oldest first
			now := t0
			for step := range 60 {
				n := 1 + r.IntN(3000)
				events := make([]*event.Event, 0, n)
				for range n {
					now = now.Add(time.Duration(r.IntN(200)) * time.Millisecond)
					a := netip.AddrFrom4([4]byte{198, 51, byte(r.IntN(4)), byte(r.IntN(200))})
					if r.IntN(5) == 0 {
						a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(r.IntN(50))})
					}
					num := ""
					if r.IntN(4) > 0 {
						num = fmt.Sprint("0044", r.IntN(1+step*200))
					}
					if r.IntN(8) == 0 {
						rep := Report{SourceIP: a, Number: num, Method: "INVITE", First: now, Last: now, Count: uint32(1 + r.IntN(3)), Reporter: [32]byte{byte(1 + r.IntN(8))}}
						x.Add(events...) // keep the ring in the order of log
						events = events[:0]
						x.AddReports(rep)
						log = append(log, held{a, num, int64(rep.Count), false})
						continue
					}
					events = append(events, &event.Event{Time: now, Source: netip.AddrPortFrom(a, 5060), Method: "OPTIONS", CalledNumberNorm: num, UserAgent: fmt.Sprint("ua", r.IntN(5))})
					log = append(log, held{a, num, 1, true})
				}
				c.set(now)
				x.Add(events...)
				switch r.IntN(6) {
				case 0:
					c.set(now.Add(time.Duration(r.IntN(40)) * time.Minute))
					x.Expire()
				case 1:
					x.SetMaxBytes(int64(1+r.IntN(4)) << 20)
				case 2:
					x.SetMaxBytes(0)
				}
				// The index holds the newest Events of what was added.
				held := x.Counts()
				var kept int64
				want := map[string]int64{}
				wantNum := map[string]int64{}
				for i := len(log) - 1; i >= 0 && kept < int64(held.Events); i-- {
					h := log[i]
					kept += h.count
					want[h.ip.String()] += h.count
					if h.number != "" {
						wantNum[h.number] += h.count
					}
				}
				if kept != int64(held.Events) || len(want) != held.IPs || len(wantNum) != held.Numbers {
					t.Fatalf("step %d: index holds %d events, %d IPs, %d numbers; recount of the newest gives %d, %d, %d",
						step, held.Events, held.IPs, held.Numbers, kept, len(want), len(wantNum))
				}
				for k, n := range want {
					e, ok := x.CheckIP(netip.MustParseAddr(k))
					if !ok || e.Count != n {
						t.Fatalf("step %d: %s has %d (found %v), want %d", step, k, e.Count, ok, n)
					}
				}
				for k, n := range wantNum {
					if e, ok := x.CheckNumber(k); !ok || e.Count != n {
						t.Fatalf("step %d: number %s has %d (found %v), want %d", step, k, e.Count, ok, n)
					}
				}
				if _, all := x.IPs(List{Limit: 1 << 20}); len(all) != held.IPs {
					t.Fatalf("step %d: list has %d IPs, counts say %d", step, len(all), held.IPs)
				}
				if b, lim := x.Bytes(), held.MaxBytes; lim > 0 && held.Events > 0 && b > lim {
					t.Fatalf("step %d: %d bytes held over a budget of %d", step, b, lim)
				}
			}
		})
	}
}

// TestBudgetGivesMemoryBack fills the index with a million distinct
// numbers, then lowers its budget: it must shed events and hand the slabs
// back, not just mark them free.
func TestBudgetGivesMemoryBack(t *testing.T) {
	x := New(Config{Now: newClock(t0).Now})
	evs := make([]*event.Event, 0, 4096)
	for i := range 1_000_000 {
		evs = append(evs, &event.Event{Time: t0, Source: netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), 5060), Method: "INVITE", CalledNumberNorm: fmt.Sprintf("004670%09d", i)})
		if len(evs) == cap(evs) {
			x.Add(evs...)
			evs = evs[:0]
		}
	}
	x.Add(evs...)
	full := x.Bytes()
	t.Logf("1,000,000 events with 1,000,000 distinct numbers: %d bytes, %.0f per event", full, float64(full)/1e6)
	if per := float64(full) / 1e6; per > 150 {
		t.Errorf("%.0f bytes per event and distinct number, want at most 150", per)
	}
	x.SetMaxBytes(full / 10)
	c := x.Counts()
	if c.Bytes > full/10 || c.Events == 0 || c.Events > 200_000 {
		t.Errorf("after a budget of a tenth: %d bytes, %d events", c.Bytes, c.Events)
	}
	if _, ok := x.CheckNumber("004670000999999"); !ok {
		t.Error("the newest number was shed")
	}
	if _, ok := x.CheckNumber("004670000000000"); ok {
		t.Error("the oldest number is still held")
	}
}

// TestShedReports sheds most of many peers' reports, which compacts the
// peer sets: what is left must still name its reporters.
func TestShedReports(t *testing.T) {
	x := New(Config{Now: newClock(t0).Now, Quorum: 2})
	const n = 40_000
	for i := range n {
		num := fmt.Sprintf("00331%06d", i)
		a := netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)})
		x.AddReports(
			Report{SourceIP: a, Number: num, First: t0, Last: t0, Count: 1, Reporter: [32]byte{1}},
			Report{SourceIP: a, Number: num, First: t0, Last: t0, Count: 2, Reporter: [32]byte{2}},
		)
	}
	x.SetMaxBytes(x.Bytes() / 8)
	c := x.Counts()
	if c.Numbers == 0 || c.Numbers > n/4 {
		t.Fatalf("%d numbers left after shedding", c.Numbers)
	}
	for i := n - c.Numbers + 1; i < n; i++ {
		e, ok := x.CheckNumber(fmt.Sprintf("00331%06d", i))
		if !ok || e.Count != 3 || e.Reporters != 2 || !e.Enforce || e.Sources != Peer {
			t.Fatalf("number %d after shedding: %+v, %v; want 3 sightings by 2 peers, enforced", i, e, ok)
		}
	}
}

// TestBytesPerEventAndKey measures what the docs quote: the bytes an event
// costs when its keys are already held, and what a distinct key adds.
func TestBytesPerEventAndKey(t *testing.T) {
	const n = 1_000_000
	fill := func(number func(i int) string) int64 {
		x := New(Config{Now: newClock(t0).Now})
		evs := make([]*event.Event, 0, 4096)
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, 113, 1}), 5060)
		for i := range n {
			evs = append(evs, &event.Event{Time: t0, Source: src, Method: "INVITE", CalledNumberNorm: number(i)})
			if len(evs) == cap(evs) {
				x.Add(evs...)
				evs = evs[:0]
			}
		}
		x.Add(evs...)
		return x.Bytes()
	}
	same := fill(func(int) string { return "0046701234567" })
	distinct := fill(func(i int) string { return fmt.Sprintf("004670%07d", i) })
	perEvent := float64(same) / n
	perKey := float64(distinct-same) / n
	t.Logf("%.1f bytes per event; %.1f more per distinct 13-digit number", perEvent, perKey)
	if perEvent > 42 || perKey > 110 {
		t.Errorf("%.1f bytes per event (want at most 42), %.1f per key (want at most 110)", perEvent, perKey)
	}
}
