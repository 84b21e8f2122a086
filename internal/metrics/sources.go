package metrics

import (
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/responder"
	"github.com/sentrypeer/sentrypeer/internal/siplisten"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// The interfaces below are what this package needs from each component:
// a Stats method that is cheap and safe to call concurrently at any time,
// also after the component stopped. They are declared here, by the
// consumer, so that tests can pass fakes.

// BusStats is implemented by [*event.Bus].
type BusStats interface{ Stats() []event.Stats }

// ListenerStats is implemented by [*siplisten.Server].
type ListenerStats interface{ Stats() siplisten.Stats }

// StoreStats is implemented by [*store.Store].
type StoreStats interface{ Stats() store.Stats }

// ResponderStats is implemented by [*responder.Responder].
type ResponderStats interface{ Stats() responder.Stats }

// JSONLogStats is implemented by [*logsink.JSON].
type JSONLogStats interface{ Stats() logsink.JSONStats }

// SyslogStats is implemented by [*logsink.Syslog].
type SyslogStats interface{ Stats() logsink.SyslogStats }

var (
	_ BusStats       = (*event.Bus)(nil)
	_ ListenerStats  = (*siplisten.Server)(nil)
	_ StoreStats     = (*store.Store)(nil)
	_ ResponderStats = (*responder.Responder)(nil)
	_ JSONLogStats   = (*logsink.JSON)(nil)
	_ SyslogStats    = (*logsink.Syslog)(nil)
)
