package event

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestBusFansOutAndCountsDrops(t *testing.T) {
	b := NewBus()
	fast, _ := b.Subscribe("fast", 10)
	slow, _ := b.Subscribe("slow", 2)
	for range 5 {
		b.Publish(&Event{})
	}
	if got := len(fast.C()); got != 5 {
		t.Errorf("fast queued %d, want 5", got)
	}
	st := slow.Stats()
	if st.Queued != 2 || st.Delivered != 2 || st.Dropped != 3 {
		t.Errorf("slow stats %+v, want 2 queued, 2 delivered, 3 dropped", st)
	}
	if _, err := b.Subscribe("late", 1); !errors.Is(err, ErrBusStarted) {
		t.Errorf("late Subscribe err = %v, want ErrBusStarted", err)
	}
}

func TestBusCloseDrainsAndDropsLatePublishes(t *testing.T) {
	b := NewBus()
	s, _ := b.Subscribe("s", 4)
	b.Publish(&Event{Method: "A"})
	b.Close()
	b.Close() // idempotent
	if b.Publish(&Event{}) {
		t.Error("Publish after Close reported success")
	}
	var got []string
	for e := range s.C() {
		got = append(got, e.Method)
	}
	if len(got) != 1 || got[0] != "A" || s.Stats().Dropped != 1 {
		t.Errorf("got %v, stats %+v", got, s.Stats())
	}
}

func TestBusConcurrentPublishClose(t *testing.T) {
	b := NewBus()
	s, _ := b.Subscribe("s", 1<<16)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				b.Publish(&Event{})
			}
		})
	}
	got := make(chan uint64)
	go func() {
		var n uint64
		for range s.C() {
			n++
		}
		got <- n
	}()
	wg.Wait()
	b.Close()
	st := s.Stats()
	if st.Delivered+st.Dropped != 4000 {
		t.Errorf("delivered %d + dropped %d != 4000", st.Delivered, st.Dropped)
	}
	if n := <-got; n != st.Delivered {
		t.Errorf("subscriber read %d events, bus delivered %d", n, st.Delivered)
	}
}

func TestUUIDRoundTrip(t *testing.T) {
	u := NewUUID()
	if u[6]>>4 != 4 || u[8]>>6 != 2 {
		t.Fatalf("%s is not a version 4 variant 1 UUID", u)
	}
	v, err := ParseUUID(u.String())
	if err != nil || v != u {
		t.Fatalf("ParseUUID(%s) = %s, %v", u, v, err)
	}
	for _, bad := range []string{"", "not-a-uuid", "0123456789abcdef0123456789abcdef0123", "0123456z-89ab-cdef-0123-456789abcdef"} {
		if _, err := ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
}

func BenchmarkPublish(b *testing.B) {
	bus := NewBus()
	s, _ := bus.Subscribe("s", 1024)
	done := make(chan struct{})
	go func() {
		for range s.C() {
		}
		close(done)
	}()
	e := &Event{}
	b.ReportAllocs()
	for b.Loop() {
		bus.Publish(e)
	}
	bus.Close()
	<-done
}

func BenchmarkNewUUID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = NewUUID()
	}
}

func TestConsume(t *testing.T) {
	ch := make(chan *Event, 3)
	ch <- &Event{Method: "A"}
	ch <- &Event{Method: "B"}
	close(ch)
	var got []string
	if err := Consume(t.Context(), ch, func(e *Event) { got = append(got, e.Method) }); err != nil || len(got) != 2 || got[1] != "B" {
		t.Fatalf("got %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Consume(ctx, make(chan *Event), func(*Event) { t.Fatal("called") }); err != nil {
		t.Fatalf("cancelled: %v", err)
	}
}

// BenchmarkPublishFanOut publishes from parallel goroutines to six
// subscribers that each drain their queue, as the daemon's sinks do: the
// cost includes waking the subscribers.
func BenchmarkPublishFanOut(b *testing.B) {
	bus := NewBus()
	var wg sync.WaitGroup
	for range 6 {
		s, _ := bus.Subscribe("s", 1<<16)
		wg.Go(func() {
			for range s.C() {
			}
		})
	}
	e := &Event{}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bus.Publish(e)
		}
	})
	bus.Close()
	wg.Wait()
}

func TestDrain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		queued     int
		close      bool
		max        int
		wantTaken  int
		wantClosed bool
	}{
		{"empty", 0, false, 8, 0, false},
		{"fewer than max", 3, false, 8, 3, false},
		{"more than max", 20, false, 8, 8, false},
		{"closed after the queue", 3, true, 8, 3, true},
		{"closed but max reached first", 20, true, 8, 8, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan *Event, 32)
			for range tc.queued {
				ch <- &Event{}
			}
			if tc.close {
				close(ch)
			}
			taken := 0
			closed := Drain(ch, tc.max, func(*Event) { taken++ })
			if taken != tc.wantTaken || closed != tc.wantClosed {
				t.Errorf("Drain took %d, closed %v; want %d, %v", taken, closed, tc.wantTaken, tc.wantClosed)
			}
			if left := len(ch); left != tc.queued-tc.wantTaken {
				t.Errorf("%d left queued, want %d", left, tc.queued-tc.wantTaken)
			}
		})
	}
}
