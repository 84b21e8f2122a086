package logsink

import (
	"log/slog"
	"time"
)

// errorLogInterval is how often a sink logs a failing output at most: a
// full disk or a dead syslog daemon fails every event, and the operations
// log must not drown in the same line.
const errorLogInterval = 10 * time.Second

// errorLog logs output errors at most once per [errorLogInterval], counting
// the ones it suppressed in between. It is not safe for concurrent use; each
// sink's Run goroutine owns one.
type errorLog struct {
	logger     *slog.Logger
	now        func() time.Time
	last       time.Time
	suppressed int
}

// log logs msg with err unless an error was logged less than
// [errorLogInterval] ago.
func (l *errorLog) log(msg string, err error, attrs ...any) {
	t := l.now()
	if !l.last.IsZero() && t.Sub(l.last) < errorLogInterval {
		l.suppressed++
		return
	}
	l.last = t
	attrs = append(attrs, "err", err)
	if l.suppressed > 0 {
		attrs = append(attrs, "suppressed", l.suppressed)
		l.suppressed = 0
	}
	l.logger.Warn(msg, attrs...)
}
