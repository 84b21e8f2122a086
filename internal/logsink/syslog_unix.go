//go:build !windows && !plan9

package logsink

import (
	"context"
	"fmt"
	"log/slog"
	"log/syslog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Redial backoff after the syslog daemon could not be reached: events that
// arrive meanwhile are dropped (and counted) rather than each paying for a
// connection attempt.
const (
	minRedial = time.Second
	maxRedial = 30 * time.Second
)

// Syslog sends one line per event to syslog, at the original's priority
// (LOG_NOTICE, facility LOG_USER) and with its text:
//
//	Source IP: 203.0.113.5, Method: INVITE, Agent: friendly-scanner
//
// It soft-starts: if syslog cannot be reached at [OpenSyslog] or later, it
// logs that, drops events and redials with backoff (1 s doubling to 30 s)
// when events arrive. Run never waits for a redial that is not due.
// A write to a wedged local syslog daemon or a stalled TCP connection, or a
// dial to a TCP address that does not answer, can still block Run (the event
// bus then drops this sink's events, never the listeners'); ctx cancellation
// is seen when that call returns.
//
// Run must not be called more than once at a time. Close and Stats are safe
// to call from any goroutine.
type Syslog struct {
	cfg  SyslogConfig
	log  *slog.Logger
	now  func() time.Time
	errs errorLog

	mu       sync.Mutex
	w        *syslog.Writer // nil while disconnected
	closed   bool
	nextDial time.Time
	backoff  time.Duration
	buf      []byte

	sent     atomic.Uint64
	dropped  atomic.Uint64
	connects atomic.Uint64
}

var _ event.Sink = (*Syslog)(nil)

// OpenSyslog validates cfg and connects to syslog. A syslog that cannot be
// reached is logged and retried later, not an error; only an invalid cfg
// is. It starts no goroutine.
func OpenSyslog(cfg SyslogConfig, logger *slog.Logger) (*Syslog, error) {
	return openSyslog(cfg, logger, time.Now)
}

func openSyslog(cfg SyslogConfig, logger *slog.Logger, now func() time.Time) (*Syslog, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Tag == "" {
		cfg.Tag = defaultTag
	}
	logger = logger.With("component", "logsink.syslog")
	s := &Syslog{cfg: cfg, log: logger, now: now, backoff: minRedial}
	s.errs = errorLog{logger: logger, now: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dialLocked()
	return s, nil
}

// Stats returns the sink's counters.
func (s *Syslog) Stats() SyslogStats {
	return SyslogStats{
		Sent:     s.sent.Load(),
		Dropped:  s.dropped.Load(),
		Connects: s.connects.Load(),
	}
}

// Run sends a line per event until the queue is closed or ctx is
// cancelled; either way it returns nil. Send errors do not stop it.
func (s *Syslog) Run(ctx context.Context, events *event.Queue) error {
	return event.Consume(ctx, events, s.send)
}

func (s *Syslog) send(e *event.Event) {
	if e == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.w == nil && (s.now().Before(s.nextDial) || !s.dialLocked()) {
		s.dropped.Add(1)
		return
	}
	s.buf = appendSyslogLine(s.buf[:0], e)
	// log/syslog has already reconnected and retried once when this fails.
	if err := s.w.Notice(string(s.buf)); err != nil {
		s.dropped.Add(1)
		s.errs.log("writing to syslog failed, redialling later", err, "retry_in", s.backoff)
		s.w.Close()
		s.w = nil
		s.scheduleRedialLocked()
		return
	}
	s.sent.Add(1)
}

// dialLocked connects and reports whether it did; on failure it schedules
// the next attempt. s.mu must be held.
func (s *Syslog) dialLocked() bool {
	w, err := syslog.Dial(s.cfg.Network, s.cfg.Address, syslog.LOG_NOTICE|syslog.LOG_USER, s.cfg.Tag)
	if err != nil {
		s.errs.log("syslog unreachable, dropping events until it is back", err,
			"network", s.cfg.Network, "address", s.cfg.Address, "retry_in", s.backoff)
		s.scheduleRedialLocked()
		return false
	}
	if s.connects.Add(1) > 1 {
		s.log.Info("reconnected to syslog", "network", s.cfg.Network, "address", s.cfg.Address)
	}
	s.w = w
	s.backoff = minRedial
	return true
}

// scheduleRedialLocked sets when to dial next: the backoff doubles with
// each failure and is reset by a successful dial. s.mu must be held.
func (s *Syslog) scheduleRedialLocked() {
	s.nextDial = s.now().Add(s.backoff)
	s.backoff = min(2*s.backoff, maxRedial)
}

// Close closes the syslog connection. Events that Run handles after Close
// are dropped. Close is idempotent.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.w == nil {
		return nil
	}
	w := s.w
	s.w = nil
	if err := w.Close(); err != nil {
		return fmt.Errorf("logsink: closing syslog connection: %w", err)
	}
	return nil
}
