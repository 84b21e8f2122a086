// Package probelog is the -v sink: it writes one operations-log line per
// probe through log/slog, rate-limited so that a flood cannot drown the log
// (what is skipped is counted and reported once a second).
package probelog

import (
	"context"
	"log/slog"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Sink logs probes. PerSecond caps the lines per second (default 20).
type Sink struct {
	Logger    *slog.Logger
	PerSecond int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

var _ event.Sink = (*Sink)(nil)

// Run logs events until the queue is closed and empty or ctx is cancelled.
func (s *Sink) Run(ctx context.Context, events *event.Queue) error {
	limit := s.PerSecond
	if limit <= 0 {
		limit = 20
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	var (
		window  time.Time
		logged  int
		skipped int
	)
	defer func() { s.reportSkipped(skipped) }()
	return event.Consume(ctx, events, func(e *event.Event) {
		t := now()
		if t.Sub(window) >= time.Second {
			s.reportSkipped(skipped)
			window, logged, skipped = t, 0, 0
		}
		if logged >= limit {
			skipped++
			return
		}
		logged++
		s.Logger.LogAttrs(ctx, slog.LevelInfo, "probe",
			slog.String("source_ip", e.Source.Addr().String()),
			slog.String("transport", e.Transport.String()),
			slog.String("method", e.Method),
			slog.String("called_number", e.CalledNumber),
			slog.String("user_agent", e.UserAgent),
			slog.String("parse_error", e.ParseError))
	})
}

func (s *Sink) reportSkipped(n int) {
	if n > 0 {
		s.Logger.Info("probes not logged: over the per-second limit", "count", n)
	}
}
