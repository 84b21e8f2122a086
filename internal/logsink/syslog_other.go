//go:build windows || plan9

package logsink

import (
	"context"
	"log/slog"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Syslog is the syslog sink. This platform has no syslog: [OpenSyslog]
// always fails with [ErrSyslogUnsupported].
type Syslog struct{}

var _ event.Sink = (*Syslog)(nil)

// OpenSyslog returns [ErrSyslogUnsupported]: this platform has no syslog.
func OpenSyslog(cfg SyslogConfig, logger *slog.Logger) (*Syslog, error) {
	return nil, ErrSyslogUnsupported
}

// Run returns [ErrSyslogUnsupported].
func (s *Syslog) Run(ctx context.Context, events *event.Queue) error {
	return ErrSyslogUnsupported
}

// Close does nothing.
func (s *Syslog) Close() error { return nil }

// Stats returns zero counters.
func (s *Syslog) Stats() SyslogStats { return SyslogStats{} }
