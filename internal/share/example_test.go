package share_test

import (
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/share"
)

// Example drives an Aggregator by hand: a node would call Run instead,
// which calls Add per event and Flush every interval.
func Example() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := share.New(share.Config{
		Key:   ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)),
		Allow: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}, // e.g. our own upstream
		Now:   func() time.Time { return now },
	})
	probe := func(src string, at time.Duration) *event.Event {
		return &event.Event{
			Time:             now.Add(at),
			Transport:        event.UDP,
			Source:           netip.AddrPortFrom(netip.MustParseAddr(src), 5060),
			Method:           "INVITE",
			CalledNumberNorm: "0046812345678",
			UserAgent:        "friendly-scanner",
		}
	}
	for i := range 1000 {
		a.Add(probe("9.9.9.9", time.Duration(i)*time.Millisecond))
	}
	a.Add(probe("198.51.100.7", 0)) // allowlisted
	a.Add(probe("192.168.1.20", 0)) // a LAN address: not shared by default
	a.Flush()

	for range len(a.Out()) {
		r := <-a.Out()
		fmt.Println(r.SourceIP, r.CalledNumber, r.Count, r.LastSeen.Sub(r.FirstSeen))
	}
	s := a.Stats()
	fmt.Println("events", s.Events, "records", s.Records, "allowlisted", s.Allowlisted, "private", s.Private)
	// Output:
	// 9.9.9.9 0046812345678 1 0s
	// 9.9.9.9 0046812345678 999 998ms
	// events 1002 records 2 allowlisted 1 private 1
}
