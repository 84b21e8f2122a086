package block

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// call is one call the fake blocker got.
type call struct {
	sync bool // else apply
	n    int  // decisions or changes
	ops  []decision.Op
	at   time.Time
}

// fake is a blocker that records its calls. Errors come from syncErr and
// applyErr (called with the call's number, from 1). With hold set, Apply
// waits for a value (or the channel's close) before it returns.
type fake struct {
	syncErr, applyErr func(n int) error
	hold              chan struct{}

	mu    sync.Mutex
	calls []call
	held  int
}

func (f *fake) Name() string { return "fake" }

func (f *fake) Sync(ctx context.Context, ds []decision.Decision) error {
	f.mu.Lock()
	f.calls = append(f.calls, call{sync: true, n: len(ds), at: time.Now()})
	n := f.count(true)
	f.mu.Unlock()
	if f.syncErr != nil {
		if err := f.syncErr(n); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.held = len(ds)
	f.mu.Unlock()
	return nil
}

func (f *fake) Apply(ctx context.Context, cs []decision.Change) error {
	ops := make([]decision.Op, len(cs))
	for i, c := range cs {
		ops[i] = c.Op
	}
	f.mu.Lock()
	f.calls = append(f.calls, call{n: len(cs), ops: ops, at: time.Now()})
	n := f.count(false)
	f.mu.Unlock()
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.applyErr != nil {
		return f.applyErr(n)
	}
	return nil
}

// count is how many sync (or apply) calls were made. f.mu is held.
func (f *fake) count(sync bool) int {
	n := 0
	for _, c := range f.calls {
		if c.sync == sync {
			n++
		}
	}
	return n
}

func (f *fake) syncs() []call   { return f.filter(true) }
func (f *fake) applies() []call { return f.filter(false) }

func (f *fake) filter(sync bool) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.sync == sync {
			out = append(out, c)
		}
	}
	return out
}

// harness runs a Runner over a real engine inside a synctest bubble.
type harness struct {
	t      *testing.T
	eng    *decision.Engine
	f      *fake
	r      *Runner
	start  time.Time
	next   int
	cancel context.CancelFunc
	done   chan error
}

func (h *harness) block(n int) {
	h.t.Helper()
	for range n {
		h.next++
		v := fmt.Sprintf("198.%d.%d.%d", h.next>>16&255, h.next>>8&255, h.next&255)
		if _, err := h.eng.Block(v, time.Hour, ""); err != nil {
			h.t.Fatal(err)
		}
	}
}

// wantCalls checks the numbers of sync and apply calls so far.
func (h *harness) wantCalls(syncs, applies int) {
	h.t.Helper()
	synctest.Wait()
	if s, a := len(h.f.syncs()), len(h.f.applies()); s != syncs || a != applies {
		h.t.Fatalf("at +%v: %d syncs and %d applies, want %d and %d", time.Since(h.start), s, a, syncs, applies)
	}
}

func (h *harness) stop() {
	h.t.Helper()
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Fatalf("Run returned %v, want nil", err)
	}
}

var errBoom = errors.New("fake: boom")

func TestRunner(t *testing.T) {
	tests := []struct {
		name      string
		reconcile time.Duration
		fake      func() *fake // made inside the bubble; nil: a fake that never fails
		before    int          // decisions made before Run
		run       func(t *testing.T, h *harness)
	}{
		{
			name:   "syncs the whole set at start",
			before: 3,
			run: func(t *testing.T, h *harness) {
				h.wantCalls(1, 0)
				if got := h.f.syncs()[0].n; got != 3 {
					t.Errorf("first sync got %d decisions, want 3", got)
				}
				s := h.r.Status()
				if s.Name != "fake" || s.Syncs != 1 || !s.InSync || s.Held != 3 || !s.LastSync.Equal(h.start) || s.Errors != 0 {
					t.Errorf("status %+v", s)
				}
			},
		},
		{
			name: "a burst is one apply",
			fake: func() *fake { return &fake{hold: make(chan struct{})} },
			run: func(t *testing.T, h *harness) {
				h.wantCalls(1, 0)
				h.block(1)
				h.wantCalls(1, 1) // held in Apply
				h.block(3)
				if _, err := h.eng.Unblock("198.0.0.2"); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				close(h.f.hold)
				h.wantCalls(1, 2)
				a := h.f.applies()
				if a[0].n != 1 || a[1].n != 4 {
					t.Errorf("applies of %d and %d changes, want 1 and 4", a[0].n, a[1].n)
				}
				if want := []decision.Op{decision.Added, decision.Added, decision.Added, decision.Removed}; fmt.Sprint(a[1].ops) != fmt.Sprint(want) {
					t.Errorf("second apply ops %v, want %v", a[1].ops, want)
				}
				if s := h.r.Status(); s.Applies != 2 || s.Changes != 5 || !s.InSync {
					t.Errorf("status %+v", s)
				}
			},
		},
		{
			name: "an apply error syncs after the backoff",
			fake: func() *fake {
				return &fake{applyErr: func(n int) error {
					if n == 1 {
						return errBoom
					}
					return nil
				}}
			},
			run: func(t *testing.T, h *harness) {
				h.wantCalls(1, 0)
				h.block(1)
				h.wantCalls(1, 1)
				s := h.r.Status()
				if s.Errors != 1 || s.InSync || s.LastError != errBoom.Error() || s.Applies != 0 {
					t.Errorf("after the failed apply: status %+v", s)
				}
				time.Sleep(MinBackoff - time.Millisecond)
				h.wantCalls(1, 1)
				time.Sleep(time.Millisecond)
				h.wantCalls(2, 1)
				if got := h.f.syncs()[1].n; got != 1 {
					t.Errorf("second sync got %d decisions, want 1", got)
				}
				if s := h.r.Status(); !s.InSync || s.Syncs != 2 {
					t.Errorf("after the sync: status %+v", s)
				}
				// Changes flow again.
				h.block(1)
				h.wantCalls(2, 2)
			},
		},
		{
			name: "lost changes sync",
			fake: func() *fake { return &fake{hold: make(chan struct{})} },
			run: func(t *testing.T, h *harness) {
				h.wantCalls(1, 0)
				h.block(1)
				h.wantCalls(1, 1) // held in Apply while the queue overflows
				h.block(decision.SubscriptionQueue + 10)
				close(h.f.hold)
				h.wantCalls(2, 1)
				if got, want := h.f.syncs()[1].n, decision.SubscriptionQueue+11; got != want {
					t.Errorf("second sync got %d decisions, want %d", got, want)
				}
				if s := h.r.Status(); s.Lost != 1 || s.Syncs != 2 || s.Held != decision.SubscriptionQueue+11 {
					t.Errorf("status %+v", s)
				}
				// Nothing stale is applied after the sync.
				time.Sleep(time.Second)
				h.wantCalls(2, 1)
			},
		},
		{
			name:      "the reconcile timer syncs",
			reconcile: 10 * time.Second,
			run: func(t *testing.T, h *harness) {
				h.wantCalls(1, 0)
				time.Sleep(10*time.Second - time.Millisecond)
				h.wantCalls(1, 0)
				time.Sleep(time.Millisecond)
				h.wantCalls(2, 0)
				time.Sleep(10 * time.Second)
				h.wantCalls(3, 0)
			},
		},
		{
			name:      "a sync for an error restarts the reconcile timer",
			reconcile: 10 * time.Second,
			fake:      func() *fake { return &fake{applyErr: func(int) error { return errBoom }} },
			run: func(t *testing.T, h *harness) {
				time.Sleep(5 * time.Second)
				h.block(1)
				h.wantCalls(1, 1)
				time.Sleep(MinBackoff)
				h.wantCalls(2, 1) // at +6s
				time.Sleep(10*time.Second - time.Millisecond)
				h.wantCalls(2, 1)
				time.Sleep(time.Millisecond)
				h.wantCalls(3, 1) // at +16s
			},
		},
		{
			name:      "sync errors back off doubling up to reconcile",
			reconcile: 5 * time.Second,
			fake: func() *fake {
				return &fake{syncErr: func(n int) error {
					if n <= 6 {
						return fmt.Errorf("attempt %d: %w", n, errBoom)
					}
					return nil
				}}
			},
			run: func(t *testing.T, h *harness) {
				time.Sleep(30 * time.Second)
				synctest.Wait()
				var at []time.Duration
				for _, c := range h.f.syncs() {
					at = append(at, c.at.Sub(h.start))
				}
				// Waits of 1, 2, 4, 5, 5 and 5 s, then every 5 s once it works.
				want := []time.Duration{0, 1, 3, 7, 12, 17, 22, 27}
				for i := range want {
					want[i] *= time.Second
				}
				if fmt.Sprint(at) != fmt.Sprint(want) {
					t.Errorf("syncs at %v, want %v", at, want)
				}
				s := h.r.Status()
				if s.Errors != 6 || !s.InSync || s.Syncs != 2 || s.LastError != "attempt 6: "+errBoom.Error() ||
					!s.LastErrorAt.Equal(h.start.Add(17*time.Second)) {
					t.Errorf("status %+v", s)
				}
			},
		},
		{
			name:      "stops during a backoff",
			reconcile: time.Hour,
			fake:      func() *fake { return &fake{syncErr: func(int) error { return errBoom }} },
			run: func(t *testing.T, h *harness) {
				time.Sleep(2 * time.Second)
				h.wantCalls(2, 0)
			},
		},
		{
			name: "stops during an apply",
			fake: func() *fake { return &fake{hold: make(chan struct{})} },
			run: func(t *testing.T, h *harness) {
				h.wantCalls(1, 0)
				h.block(1)
				h.wantCalls(1, 1)
				// h.stop cancels; the fake returns ctx.Err(), which is
				// not counted as a failure worth logging, and Run
				// returns nil.
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fake{}
				if tc.fake != nil {
					f = tc.fake()
				}
				eng := decision.New(decision.Config{})
				h := &harness{t: t, eng: eng, f: f, start: time.Now(), done: make(chan error, 1)}
				h.block(tc.before)
				h.r = New(eng, f, Config{Reconcile: tc.reconcile, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
				ctx, cancel := context.WithCancel(t.Context())
				h.cancel = cancel
				go func() { h.done <- h.r.Run(ctx) }()
				tc.run(t, h)
				h.stop()
			})
		})
	}
}

// A blocker that says how many elements it holds is believed over the
// size of the set.
type holding struct{ fake }

func (h *holding) Held() int { return 42 }

func TestStatusHeldFromHolder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := decision.New(decision.Config{})
		b := &holding{}
		r := New(eng, b, Config{})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		synctest.Wait()
		if got := r.Status().Held; got != 42 {
			t.Errorf("Held = %d, want 42", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
