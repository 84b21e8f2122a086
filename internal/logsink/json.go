package logsink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// ErrClosed is returned by [JSON.Reopen] after [JSON.Close].
var ErrClosed = errors.New("logsink: sink closed")

// AppInfo names the program in every JSON line.
type AppInfo struct {
	Name    string // app_name, "sentrypeer"
	Version string // app_version, e.g. "4.0.0"
}

const (
	// flushSize is how much encoded output is buffered before it is written.
	flushSize = 64 << 10
	// keepSize caps the buffer kept after a flush, so that one huge event
	// does not pin megabytes for the life of the process.
	keepSize = 1 << 20
	// maxBatch is how many queued events are written per lock hold, which
	// bounds how long [JSON.Reopen] waits and how late a cancel is seen.
	maxBatch = 64
	// flushInterval is the longest encoded lines wait in the buffer while
	// the queue never runs empty.
	flushInterval = 100 * time.Millisecond
	// coalesce is how long lines wait for more when the queue runs empty
	// so soon after the last write. Under a flood the queue runs empty
	// every dozen events, and each ext4 write has a fixed cost:
	// BenchmarkFileWrite wrote 1.4-1.6 GB/s in 15 KiB pieces, 2.5-2.9 in
	// 64 KiB ones.
	coalesce = 2 * time.Millisecond
)

// JSON writes every event as one line of JSON to a file, in the original
// SentryPeer's format plus our keys (see the package README).
//
// Lines are buffered and written when the input queue is momentarily empty
// (after up to 2 ms more, if the last write was less than 2 ms before), when
// 64 KiB are pending, after at most ~100 ms, on [JSON.Reopen] and on
// [JSON.Close]. Each write holds whole lines, so Stats counts exactly; after
// a write that failed part-way the next write starts on a new line.
//
// Run must not be called more than once at a time. Reopen, Close and Stats
// are safe to call from any goroutine, also while Run is running.
type JSON struct {
	path     string
	info     AppInfo
	now      func() time.Time
	coalesce time.Duration

	mu        sync.Mutex
	f         io.WriteCloser // the open *os.File; nil once closed
	out       []byte         // complete lines not yet written
	lines     int            // lines in out
	midLine   bool           // f ends in part of a line left by a failed write
	lastFlush time.Time
	stamps    stampCache
	errs      errorLog

	written atomic.Uint64
	failed  atomic.Uint64
	reopens atomic.Uint64
}

var _ event.Sink = (*JSON)(nil)

// JSONStats counts what a [JSON] sink did.
type JSONStats struct {
	Written uint64 // events whose line was written to the file
	Failed  uint64 // events lost to write errors or handled after Close
	Reopens uint64 // successful Reopen calls
}

// OpenJSON opens (creating it with mode 0640 if missing) the file at path
// for appending. It starts no goroutine.
func OpenJSON(path string, info AppInfo, logger *slog.Logger) (*JSON, error) {
	if path == "" {
		return nil, errors.New("logsink: empty JSON log path")
	}
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	j := &JSON{
		path:     path,
		info:     info,
		now:      time.Now,
		coalesce: coalesce,
		f:        f,
		out:      make([]byte, 0, flushSize+4096),
	}
	j.errs = errorLog{logger: logger.With("component", "logsink.json"), now: j.now}
	return j, nil
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("logsink: opening JSON log %q: %w", path, err)
	}
	return f, nil
}

// Stats returns the sink's counters.
func (j *JSON) Stats() JSONStats {
	return JSONStats{
		Written: j.written.Load(),
		Failed:  j.failed.Load(),
		Reopens: j.reopens.Load(),
	}
}

// Run writes events until the queue is closed (it then writes what is
// buffered and returns nil) or ctx is cancelled (it then writes what is
// already encoded, leaves the queue, and returns nil). Write errors do not
// stop it.
func (j *JSON) Run(ctx context.Context, events *event.Queue) error {
	// due fires when lines held back by coalescing must be written.
	due := time.NewTimer(time.Hour)
	due.Stop()
	defer due.Stop()
	var (
		dueC  <-chan time.Time
		batch []*event.Event
	)
	for {
		var done bool
		batch, done = events.Take(batch[:0], maxBatch)
		full := len(batch) == maxBatch
		if len(batch) > 0 || done {
			held := j.writeBatch(batch, done, full)
			clear(batch) // keep no event alive while waiting
			if done {
				return nil
			}
			if held && dueC == nil {
				due.Reset(j.coalesce)
				dueC = due.C
			}
		}
		if full {
			// More may be queued: look at ctx without waiting.
			if ctx.Err() != nil {
				j.flush()
				return nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			j.flush()
			return nil
		case <-dueC:
			dueC = nil
			j.flush()
		case <-events.Ready():
		}
	}
}

// writeBatch writes es under one lock hold and reports whether lines are
// left in the buffer. done says the queue is closed and empty: everything
// is flushed. A batch that is not full emptied the queue: it is flushed
// unless the last write was less than j.coalesce before. A full batch is
// flushed only once flushInterval has passed.
func (j *JSON) writeBatch(es []*event.Event, done, full bool) (held bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range es {
		j.appendLocked(e)
	}
	switch {
	case done:
		j.flushLocked()
	case !full:
		if j.now().Sub(j.lastFlush) >= j.coalesce {
			j.flushLocked()
		}
	case j.now().Sub(j.lastFlush) >= flushInterval:
		j.flushLocked()
	}
	return j.lines > 0
}

func (j *JSON) appendLocked(e *event.Event) {
	if e == nil {
		return
	}
	j.out = appendEvent(j.out, e, &j.info, &j.stamps)
	j.lines++
	if len(j.out) >= flushSize {
		j.flushLocked()
	}
}

func (j *JSON) flush() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
}

// flushLocked writes the buffered lines and counts them as written or
// failed. j.mu must be held.
func (j *JSON) flushLocked() {
	j.lastFlush = j.now()
	if j.lines == 0 {
		return
	}
	done, err := j.writeLines()
	j.written.Add(uint64(done))
	if lost := j.lines - done; lost > 0 {
		j.failed.Add(uint64(lost))
		j.errs.log("writing JSON event log failed", err, "path", j.path, "lost", lost)
	}
	j.lines = 0
	if cap(j.out) > keepSize {
		j.out = make([]byte, 0, flushSize+4096)
	} else {
		j.out = j.out[:0]
	}
}

// writeLines writes j.out and returns how many of its lines reached the file.
func (j *JSON) writeLines() (int, error) {
	if j.f == nil {
		return 0, ErrClosed
	}
	if j.midLine {
		// End the torn line so that the lines that follow parse.
		if _, err := j.f.Write([]byte{'\n'}); err != nil {
			return 0, err
		}
		j.midLine = false
	}
	n, err := j.f.Write(j.out)
	if err == nil {
		return j.lines, nil
	}
	j.midLine = n > 0 && j.out[n-1] != '\n'
	return bytes.Count(j.out[:n], []byte{'\n'}), err
}

// Close writes what is buffered and closes the file. Events that Run
// handles after Close are counted as failed. Close is idempotent.
func (j *JSON) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	j.flushLocked()
	err := j.f.Close()
	j.f = nil
	if err != nil {
		return fmt.Errorf("logsink: closing JSON log %q: %w", j.path, err)
	}
	return nil
}
