package store_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := store.Open(ctx, filepath.Join(dir, "events.db"), store.Config{}, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	// In the daemon the queue is a bus subscription's; closing it makes Run
	// flush and return.
	events := event.NewQueue(2)
	for _, n := range []string{"100", "0044123456"} {
		events.Put(&event.Event{
			Time:             time.Now().UTC(),
			ID:               event.NewUUID(),
			Transport:        event.UDP,
			Source:           netip.MustParseAddrPort("198.51.100.7:5060"),
			Method:           "INVITE",
			CalledNumberNorm: n,
		})
	}
	events.Close()
	if err := s.Run(ctx, events); err != nil {
		panic(err)
	}

	found, err := s.Events(ctx, store.Query{SourceIP: netip.MustParseAddr("198.51.100.7")})
	if err != nil {
		panic(err)
	}
	for _, e := range found {
		fmt.Println(e.Method, e.CalledNumberNorm, e.Source)
	}
	fmt.Printf("%+v\n", s.Stats().EventsStored)
	// Output:
	// INVITE 0044123456 198.51.100.7:5060
	// INVITE 100 198.51.100.7:5060
	// 2
}
