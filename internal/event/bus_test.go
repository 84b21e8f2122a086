package event

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBusFansOutAndCountsDrops(t *testing.T) {
	b := NewBus()
	fast, _ := b.Subscribe("fast", 10)
	slow, _ := b.Subscribe("slow", 2)
	for range 5 {
		b.Publish(&Event{})
	}
	if got := fast.Queue().Len(); got != 5 {
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
	for _, e := range takeAll(t, s.Queue()) {
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
		_ = Consume(context.Background(), s.Queue(), func(*Event) { n++ })
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
		_ = Consume(context.Background(), s.Queue(), func(*Event) {})
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
	var got []string
	q := QueueOf(&Event{Method: "A"}, &Event{Method: "B"})
	if err := Consume(t.Context(), q, func(e *Event) { got = append(got, e.Method) }); err != nil || len(got) != 2 || got[1] != "B" {
		t.Fatalf("got %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Consume(ctx, NewQueue(1), func(*Event) { t.Fatal("called") }); err != nil {
		t.Fatalf("cancelled: %v", err)
	}
}

// TestConsumeTicking: a tick is taken while the queue still holds more
// than a batch (a flood must not starve a sink's schedule), and the result
// tells a closed queue from a cancelled context.
func TestConsumeTicking(t *testing.T) {
	tick := make(chan time.Time, 1)
	tick <- time.Time{}
	var got []string
	onTick := func() { got = append(got, "tick") }
	q := QueueOf(&Event{Method: "A"}, &Event{Method: "B"}, &Event{Method: "C"})
	closed := ConsumeTicking(t.Context(), q, 1, tick, onTick, func(es []*Event) {
		for _, e := range es {
			got = append(got, e.Method)
		}
	})
	if !closed || strings.Join(got, " ") != "A tick B C" {
		t.Errorf("closed %v, calls %v; want true and the tick after the first full batch", closed, got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if ConsumeTicking(ctx, NewQueue(1), 1, nil, nil, func([]*Event) { t.Fatal("called") }) {
		t.Error("a cancelled context reported a closed queue")
	}
}

// TestConsumeWaitsForLateEvents puts events while Consume sleeps on an
// empty queue: a lost wake-up would hang the test.
func TestConsumeWaitsForLateEvents(t *testing.T) {
	q := NewQueue(4)
	got := make(chan string, 100)
	done := make(chan error)
	go func() { done <- Consume(t.Context(), q, func(e *Event) { got <- e.Method }) }()
	for i := range 100 {
		want := string(rune('a' + i%26))
		for q.Put(&Event{Method: want}) == 0 {
			runtime.Gosched()
		}
		if m := <-got; m != want {
			t.Fatalf("event %d: got %q, want %q", i, m, want)
		}
	}
	q.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPublishBatchKeepsWhatFits(t *testing.T) {
	b := NewBus()
	big, _ := b.Subscribe("big", 10)
	small, _ := b.Subscribe("small", 3)
	es := []*Event{{Method: "1"}, {Method: "2"}, {Method: "3"}, {Method: "4"}}
	if n := b.PublishBatch(es); n != 3 {
		t.Errorf("PublishBatch = %d, want 3 (the small queue's room)", n)
	}
	if st := small.Stats(); st.Delivered != 3 || st.Dropped != 1 {
		t.Errorf("small %+v, want 3 delivered, 1 dropped", st)
	}
	if st := big.Stats(); st.Delivered != 4 || st.Dropped != 0 {
		t.Errorf("big %+v, want 4 delivered", st)
	}
	b.Close()
	var got []string
	for _, e := range takeAll(t, small.Queue()) {
		got = append(got, e.Method)
	}
	if strings.Join(got, "") != "123" {
		t.Errorf("small queue holds %v, want the first three", got)
	}
	if n := b.PublishBatch(es); n != 0 {
		t.Errorf("PublishBatch after Close = %d", n)
	}
}

// BenchmarkPublishFanOut publishes from parallel goroutines to six
// subscribers that each drain their queue, as the daemon's sinks do: the
// cost includes waking the subscribers.
func BenchmarkPublishFanOut(b *testing.B) {
	benchmarkFanOut(b, 1, func(bus *Bus, batch []*Event) { bus.Publish(batch[0]) })
}

// BenchmarkPublishBatchFanOut is BenchmarkPublishFanOut with the
// listener's read batch of 16 events per call: compare ns/event.
func BenchmarkPublishBatchFanOut(b *testing.B) {
	benchmarkFanOut(b, 16, func(bus *Bus, batch []*Event) { bus.PublishBatch(batch) })
}

func benchmarkFanOut(b *testing.B, n int, publish func(*Bus, []*Event)) {
	bus := NewBus()
	var wg sync.WaitGroup
	for range 6 {
		s, _ := bus.Subscribe("s", 1<<16)
		wg.Go(func() {
			_ = Consume(context.Background(), s.Queue(), func(*Event) {})
		})
	}
	batch := make([]*Event, n)
	for i := range batch {
		batch[i] = &Event{}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			publish(bus, batch)
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
	bus.Close()
	wg.Wait()
}

// takeAll takes everything from a closed queue.
func takeAll(t *testing.T, q *Queue) []*Event {
	t.Helper()
	es, done := q.Take(nil, q.Cap())
	if !done {
		t.Fatal("queue not closed and empty after taking everything")
	}
	return es
}
