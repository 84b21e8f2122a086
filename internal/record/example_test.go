package record_test

import (
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

func Example() {
	// The node's identity key (in a node: the libp2p key's raw 64 bytes).
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	r := &record.Record{
		SourceIP:     netip.MustParseAddr("9.9.9.9"),
		CalledNumber: "0046812345678",
		Method:       "INVITE",
		UserAgent:    "friendly-scanner",
		Transport:    event.UDP,
		FirstSeen:    now.Add(-10 * time.Second),
		LastSeen:     now,
		Count:        3,
	}
	r.Sign(key)
	b, err := record.Marshal(r)
	if err != nil {
		panic(err)
	}

	got, err := record.Unmarshal(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), "bytes, valid:", record.Validate(got, now, record.Limits{}) == nil)

	got.Count = 3000 // not what the reporter signed
	err = record.Validate(got, now, record.Limits{})
	fmt.Println(record.Reason(err))
	// Output:
	// 165 bytes, valid: true
	// signature
}
