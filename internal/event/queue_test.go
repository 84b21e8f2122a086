package event

import (
	"strconv"
	"sync"
	"testing"
)

func numbered(from, n int) []*Event {
	es := make([]*Event, n)
	for i := range es {
		es[i] = &Event{Method: strconv.Itoa(from + i)}
	}
	return es
}

// TestQueueKeepsOrderAcrossWrapAndGrowth takes and puts in steps chosen
// so that the ring wraps and then grows while wrapped.
func TestQueueKeepsOrderAcrossWrapAndGrowth(t *testing.T) {
	for _, tc := range []struct {
		name          string
		capacity      int
		put, take     int // per step
		steps         int
		wantMaxQueued int
	}{
		{"small steps", 1000, 7, 5, 300, 605},
		{"wraps at the initial size", 1000, 40, 40, 50, 40},
		{"grows while wrapped", 1000, 50, 30, 30, 630},
		{"full queue", 100, 30, 10, 40, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := NewQueue(tc.capacity)
			next, want, maxQueued := 0, 0, 0
			for range tc.steps {
				k := q.Put(numbered(next, tc.put)...)
				next += k
				maxQueued = max(maxQueued, q.Len())
				es, done := q.Take(nil, tc.take)
				if done {
					t.Fatal("done before Close")
				}
				for _, e := range es {
					if e.Method != strconv.Itoa(want) {
						t.Fatalf("took %s, want %d", e.Method, want)
					}
					want++
				}
			}
			q.Close()
			es, done := q.Take(nil, tc.capacity)
			if !done {
				t.Fatal("not done after taking everything from a closed queue")
			}
			for _, e := range es {
				if e.Method != strconv.Itoa(want) {
					t.Fatalf("took %s, want %d", e.Method, want)
				}
				want++
			}
			if want != next {
				t.Errorf("took %d events, put %d", want, next)
			}
			if maxQueued > tc.wantMaxQueued || maxQueued > tc.capacity {
				t.Errorf("queued up to %d, want at most %d (capacity %d)", maxQueued, tc.wantMaxQueued, tc.capacity)
			}
		})
	}
}

func TestQueueBounds(t *testing.T) {
	q := NewQueue(3)
	if k := q.Put(numbered(0, 5)...); k != 3 {
		t.Fatalf("Put of 5 into capacity 3 took %d", k)
	}
	if k := q.Put(numbered(5, 1)...); k != 0 {
		t.Fatalf("Put into a full queue took %d", k)
	}
	es, _ := q.Take(nil, 1)
	if len(es) != 1 || es[0].Method != "0" || q.Len() != 2 {
		t.Fatalf("Take(1) = %v, %d left", es, q.Len())
	}
	q.Close()
	if k := q.Put(numbered(9, 1)...); k != 0 {
		t.Fatalf("Put after Close took %d", k)
	}
	if es, done := q.Take(es[:0], 10); len(es) != 2 || !done {
		t.Fatalf("Take after Close = %d events, done %v", len(es), done)
	}
	if es, done := q.Take(nil, 10); len(es) != 0 || !done {
		t.Fatalf("Take of an empty closed queue = %d events, done %v", len(es), done)
	}
	if q := NewQueue(0); q.Cap() != 1 {
		t.Errorf("NewQueue(0).Cap() = %d, want 1", q.Cap())
	}
}

// TestQueueReleasesTakenEvents checks that taking clears the ring's slots:
// a sink's queue must not keep a flood's events alive.
func TestQueueReleasesTakenEvents(t *testing.T) {
	q := NewQueue(8)
	q.Put(numbered(0, 6)...)
	q.Take(nil, 6)
	for i, e := range q.ring {
		if e != nil {
			t.Errorf("slot %d still holds event %s", i, e.Method)
		}
	}
}

func TestQueueConcurrentPutTake(t *testing.T) {
	q := NewQueue(64)
	const producers, each = 4, 5000
	var wg sync.WaitGroup
	var mu sync.Mutex
	put := 0
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if q.Put(&Event{Method: strconv.Itoa(p*each + i)}) == 1 {
					mu.Lock()
					put++
					mu.Unlock()
				}
			}
		})
	}
	got := make(chan int)
	go func() {
		n := 0
		seen := make(map[string]bool)
		var buf []*Event
		for {
			var done bool
			buf, done = q.Take(buf[:0], 16)
			for _, e := range buf {
				if seen[e.Method] {
					t.Errorf("event %s taken twice", e.Method)
				}
				seen[e.Method] = true
			}
			n += len(buf)
			if done {
				got <- n
				return
			}
			if len(buf) == 0 {
				<-q.Ready()
			}
		}
	}()
	wg.Wait()
	q.Close()
	if n := <-got; n != put {
		t.Errorf("took %d, put %d", n, put)
	}
}
