package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrStreamIdle matches the error of a [Stream] that was silent for longer
// than [Config].StreamIdle.
var ErrStreamIdle = errors.New("apiclient: no data on the event stream")

// idleError is the end of a silent stream.
type idleError struct {
	url string
	d   time.Duration
}

func (e *idleError) Error() string {
	return fmt.Sprintf("GET %s: no data on the event stream for %v (keep-alives are due every 15 s)", e.url, e.d)
}

func (e *idleError) Is(target error) bool { return target == ErrStreamIdle }

// Stream is the live feed of probes (GET /api/v1/events/stream), opened by
// [Client.Stream]. Its methods are for one goroutine, except Close, which
// may be called from any to end a blocked Next.
type Stream struct {
	url     string
	ctx     context.Context
	body    io.ReadCloser
	sse     *sseReader
	idle    *time.Timer // nil without an idle limit
	dropped atomic.Uint64
}

// Stream opens the live stream of probes. It returns once the server has
// answered, bounded by [Config].Timeout; the stream then lasts until ctx
// ends, Close is called, the server ends it, or it is silent for longer
// than [Config].StreamIdle. The server sends only events that arrive
// after it is open: to miss none, open the stream first, then list recent
// events with [Client.Events], and skip those the stream repeats (by ID).
func (c *Client) Stream(ctx context.Context) (*Stream, error) {
	rq := &request{method: http.MethodGet, path: "/api/v1/events/stream", accept: "text/event-stream", stream: true}
	resp, err := c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	s := &Stream{url: rq.url(c), ctx: ctx, body: resp.Body}
	var rd io.Reader = resp.Body
	if b, ok := resp.Body.(*body); ok && c.streamIdle > 0 {
		d := c.streamIdle
		s.idle = time.AfterFunc(d, func() { b.cancel(&idleError{url: s.url, d: d}) })
		rd = readFunc(func(p []byte) (int, error) {
			n, err := resp.Body.Read(p)
			s.idle.Reset(d)
			return n, err
		})
	}
	s.sse = newSSEReader(rd)
	return s, nil
}

// readFunc adapts a function to [io.Reader].
type readFunc func([]byte) (int, error)

func (f readFunc) Read(b []byte) (int, error) { return f(b) }

// Next blocks until the next probe and returns it. It returns io.EOF when
// the server ended the stream, the context's error when it ended, an
// error matching [ErrStreamIdle] when the stream went silent, and one
// matching io.ErrUnexpectedEOF when the connection was cut mid-event.
// Events of types other than probe are skipped; "dropped" ones, which say
// the server dropped events for this slow reader, add to [Stream.Dropped].
func (s *Stream) Next() (Event, error) {
	for {
		ev, err := s.sse.next()
		switch {
		case err == io.EOF:
			return Event{}, io.EOF
		case s.ctx.Err() != nil:
			return Event{}, fmt.Errorf("GET %s: %w", s.url, s.ctx.Err())
		case errors.Is(err, ErrStreamIdle):
			return Event{}, err
		case errors.Is(err, io.ErrUnexpectedEOF):
			return Event{}, fmt.Errorf("GET %s: event stream cut: %w", s.url, err)
		case err != nil:
			return Event{}, fmt.Errorf("GET %s: reading the event stream: %w", s.url, err)
		}
		switch ev.Type {
		case "probe", "message":
		case "dropped":
			var d struct {
				Dropped uint64 `json:"dropped"`
			}
			if json.Unmarshal(ev.Data, &d) == nil {
				s.dropped.Store(d.Dropped)
			}
			continue
		default:
			continue
		}
		var e Event
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return Event{}, fmt.Errorf("GET %s: decoding event %s: %w", s.url, ev.ID, err)
		}
		if e.ID == "" {
			e.ID = ev.ID
		}
		return e, nil
	}
}

// Dropped returns how many events the server has dropped for this stream
// because it was read too slowly, as the server last said.
func (s *Stream) Dropped() uint64 { return s.dropped.Load() }

// Close ends the stream.
func (s *Stream) Close() error {
	if s.idle != nil {
		s.idle.Stop()
	}
	return s.body.Close()
}
