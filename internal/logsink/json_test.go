package logsink

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// runJSON starts j.Run on events and returns a func that waits for it.
func runJSON(t *testing.T, ctx context.Context, j *JSON, events *event.Queue) func() error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- j.Run(ctx, events) }()
	return func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
}

func TestJSONRun(t *testing.T) {
	tests := []struct {
		name   string
		events int
		queue  int
	}{
		{"one event", 1, 1},
		{"burst larger than a batch and the buffer", 5000, 5000},
		{"trickle through a small queue", 300, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sentrypeer.json")
			j, err := OpenJSON(path, testInfo, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			events := event.NewQueue(tc.queue)
			wait := runJSON(t, t.Context(), j, events)
			for i := range tc.events {
				put(t, events, testEvent(i))
			}
			events.Close()
			if err := wait(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			lines := readLines(t, path)
			if len(lines) != tc.events {
				t.Fatalf("%d lines, want %d", len(lines), tc.events)
			}
			for i, line := range lines {
				if got := decodeStrict(t, line); got != lineOf(testEvent(i)) {
					t.Fatalf("line %d: %+v", i, got)
				}
			}
			if got, want := j.Stats(), (JSONStats{Written: uint64(tc.events)}); got != want {
				t.Errorf("Stats = %+v, want %+v", got, want)
			}
		})
	}
}

func TestOpenJSON(t *testing.T) {
	t.Run("creates with mode 0640 at most", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.json")
		j, err := OpenJSON(path, testInfo, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may take bits away, never add them.
		if perm := fi.Mode().Perm(); perm&^0o640 != 0 || perm&0o600 != 0o600 {
			t.Errorf("mode %v, want 0640 less the umask", perm)
		}
	})
	t.Run("appends to an existing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.json")
		if err := os.WriteFile(path, []byte("{\"old\":1}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJSON(path, testInfo, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		events := event.NewQueue(1)
		put(t, events, testEvent(1))
		events.Close()
		if err := j.Run(t.Context(), events); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		lines := readLines(t, path)
		if len(lines) != 2 || string(lines[0]) != `{"old":1}` {
			t.Fatalf("lines: %q", lines)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, path := range []string{"", filepath.Join(t.TempDir(), "missing", "x.json")} {
			if _, err := OpenJSON(path, testInfo, testLogger(t)); err == nil {
				t.Errorf("OpenJSON(%q) succeeded", path)
			}
		}
	})
}

func TestJSONCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	j, err := OpenJSON(path, testInfo, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithCancel(t.Context())
	events := event.NewQueue(10)
	wait := runJSON(t, ctx, j, events)
	put(t, events, testEvent(0))
	waitFor(t, "first event written", func() bool { return j.Stats().Written == 1 })
	cancel()
	if err := wait(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	// Events queued after the abort stay queued; the queue was not closed.
	put(t, events, testEvent(1))
	if got := len(readLines(t, path)); got != 1 {
		t.Errorf("%d lines, want 1", got)
	}
}

// faultyFile accepts okBytes bytes in total, then fails every write.
type faultyFile struct {
	mu      sync.Mutex
	data    []byte
	okBytes int
	writes  int
}

var errDiskFull = errors.New("disk full")

func (f *faultyFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	room := max(f.okBytes-len(f.data), 0)
	if len(p) <= room {
		f.data = append(f.data, p...)
		return len(p), nil
	}
	f.data = append(f.data, p[:room]...)
	return room, errDiskFull
}

func (f *faultyFile) Close() error { return nil }

func (f *faultyFile) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.okBytes = 1 << 30
}

func TestJSONWriteErrors(t *testing.T) {
	lineLen := len(appendEvent(nil, testEvent(0), &testInfo, nil))
	tests := []struct {
		name        string
		okBytes     int
		events      int
		wantWritten uint64
	}{
		{"fails from the start", 0, 50, 0},
		{"fails after two lines", 2 * lineLen, 50, 2},
		{"fails in the middle of a line", 2*lineLen + 17, 50, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &countingHandler{}
			j, err := OpenJSON(filepath.Join(t.TempDir(), "x.json"), testInfo, slog.New(h))
			if err != nil {
				t.Fatal(err)
			}
			j.f.Close()
			ff := &faultyFile{okBytes: tc.okBytes}
			j.f = ff
			j.coalesce = 0

			// One event at a time, so that each is flushed on its own.
			events := event.NewQueue(1)
			wait := runJSON(t, t.Context(), j, events)
			for i := range tc.events {
				put(t, events, testEvent(i))
			}
			waitFor(t, "all events handled", func() bool {
				s := j.Stats()
				return s.Written+s.Failed == uint64(tc.events)
			})
			if s := j.Stats(); s.Written != tc.wantWritten {
				t.Errorf("Stats = %+v, want %d written", s, tc.wantWritten)
			}
			if n := h.warns.Load(); n != 1 {
				t.Errorf("%d warnings logged for %d failures, want 1 (rate limited)", n, tc.events)
			}

			// Once the disk has room again, lines parse again.
			ff.heal()
			put(t, events, testEvent(1000))
			events.Close()
			if err := wait(); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(ff.data), "\n"), "\n")
			last := lines[len(lines)-1]
			if got := decodeStrict(t, []byte(last)); got.SIPCallID != testEvent(1000).CallID {
				t.Errorf("last line is %q", last)
			}
			if s := j.Stats(); s.Written != tc.wantWritten+1 || s.Failed != uint64(tc.events)-tc.wantWritten {
				t.Errorf("final Stats = %+v", s)
			}
		})
	}
}

func TestJSONClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	j, err := OpenJSON(path, testInfo, slog.New(&countingHandler{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := j.Reopen(); !errors.Is(err, ErrClosed) {
		t.Errorf("Reopen after Close: %v, want ErrClosed", err)
	}
	events := event.NewQueue(3)
	for i := range 3 {
		put(t, events, testEvent(i))
	}
	events.Close()
	if err := j.Run(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	if got, want := j.Stats(), (JSONStats{Failed: 3}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("file has %q", data)
	}
}

func TestJSONFlushInterval(t *testing.T) {
	// A queue that never runs empty still gets written once flushInterval
	// has passed since the last write.
	small := &event.Event{Method: "OPTIONS"}
	if n := maxBatch * len(appendEvent(nil, small, &testInfo, nil)); n >= flushSize {
		t.Fatalf("a batch of test events (%d bytes) fills the buffer", n)
	}
	tests := []struct {
		name        string
		elapsed     time.Duration
		wantWritten uint64
	}{
		{"before the interval", flushInterval - time.Millisecond, 0},
		{"after the interval", flushInterval, maxBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := OpenJSON(filepath.Join(t.TempDir(), "x.json"), testInfo, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			clock := newFakeClock()
			j.now = clock.now
			events := event.NewQueue(2 * maxBatch) // never empty
			for range 2 * maxBatch {
				put(t, events, small)
			}
			j.flush() // the last write happens now
			clock.advance(tc.elapsed)
			es, _ := events.Take(nil, maxBatch)
			j.writeBatch(es, false, true)
			if got := j.Stats().Written; got != tc.wantWritten {
				t.Fatalf("%d written, want %d", got, tc.wantWritten)
			}
		})
	}
}

var _ io.WriteCloser = (*faultyFile)(nil)

// TestJSONCoalesces: events that arrive one at a time, each finding the
// queue empty, share writes when they come within the coalescing window of
// the last write, and the last of them is still written without another
// event to push it out. Without coalescing (j.coalesce = 0) the same 200
// events took 101-105 writes here; with it, 5.
func TestJSONCoalesces(t *testing.T) {
	j, err := OpenJSON(filepath.Join(t.TempDir(), "x.json"), testInfo, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	j.f.Close()
	ff := &faultyFile{okBytes: 1 << 30}
	j.f = ff
	events := event.NewQueue(1) // empty after every event
	wait := runJSON(t, t.Context(), j, events)
	const n = 200
	for i := range n {
		put(t, events, testEvent(i))
	}
	waitFor(t, "every event written", func() bool { return j.Stats().Written == n })
	events.Close()
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	ff.mu.Lock()
	defer ff.mu.Unlock()
	if ff.writes > n/4 {
		t.Errorf("%d writes for %d events, want at most %d", ff.writes, n, n/4)
	}
	t.Logf("%d writes for %d events", ff.writes, n)
}
