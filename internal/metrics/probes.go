package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// knownMethods are the SIP request methods of RFC 3261 and its extensions
// (RFC 3262, 3265, 3311, 3428, 3515, 3903, 6086). They are the only method
// strings used as label values; see [MethodLabel].
var knownMethods = [...]string{
	"ACK", "BYE", "CANCEL", "INFO", "INVITE", "MESSAGE", "NOTIFY",
	"OPTIONS", "PRACK", "PUBLISH", "REFER", "REGISTER", "SUBSCRIBE", "UPDATE",
}

// Method label values for events that carry no known method.
const (
	MethodOther = "other" // a method string that is not a known SIP method
	MethodNone  = "none"  // no method: the message was unparsable or a response
)

// methodIndex returns the index of m in knownMethods, len(knownMethods) for
// [MethodOther] and len(knownMethods)+1 for [MethodNone].
func methodIndex(m string) int {
	if m == "" {
		return len(knownMethods) + 1
	}
	for i, k := range knownMethods {
		if m == k {
			return i
		}
	}
	return len(knownMethods)
}

// MethodLabel returns the value of the method label for a probe with the
// request method m: m itself if it is a known SIP method, [MethodNone] if
// it is empty and [MethodOther] otherwise. Attackers choose the method
// string, and every distinct label value is a new series held in memory
// for good, so the label has 16 possible values. The comparison is
// case-sensitive, as SIP methods are (RFC 3261 section 7.1): "invite" is
// not INVITE.
func MethodLabel(m string) string {
	switch i := methodIndex(m); {
	case i < len(knownMethods):
		return knownMethods[i]
	case i == len(knownMethods):
		return MethodOther
	default:
		return MethodNone
	}
}

// transportLabel returns the transport label value, lowercase like the
// URI parameter (transport=udp).
func transportLabel(t event.Transport) string {
	switch t {
	case event.UDP:
		return "udp"
	case event.TCP:
		return "tcp"
	case event.TLS:
		return "tls"
	}
	return "unknown"
}

const numTransports = 4 // udp, tcp, tls, unknown

func transportIndex(t event.Transport) int {
	switch t {
	case event.UDP:
		return 0
	case event.TCP:
		return 1
	case event.TLS:
		return 2
	}
	return 3
}

// ProbeCounter is an [event.Sink] that counts probes by method and
// transport in sentrypeer_probes_total. Get one from [Metrics.ProbeCounter]
// and subscribe it to the bus like any other sink; its counts are those of
// the events it is delivered, so probes the bus dropped for it are missing
// (sentrypeer_sink_events_dropped_total says how many).
type ProbeCounter struct {
	probes *prometheus.CounterVec
}

var _ event.Sink = (*ProbeCounter)(nil)

// Run counts events until the queue is closed and empty or ctx is
// cancelled, and returns nil in both cases. It never blocks the bus for
// longer than a counter increment. Several Runs may share a ProbeCounter, but each event
// must be counted once: do not subscribe it twice to the same bus.
func (p *ProbeCounter) Run(ctx context.Context, events *event.Queue) error {
	// Series resolved once per Run: a label lookup hashes both values,
	// an array index does not.
	var series [len(knownMethods) + 2][numTransports]prometheus.Counter
	return event.Consume(ctx, events, func(e *event.Event) {
		mi, ti := methodIndex(e.Method), transportIndex(e.Transport)
		c := series[mi][ti]
		if c == nil {
			c = p.probes.WithLabelValues(MethodLabel(e.Method), transportLabel(e.Transport))
			series[mi][ti] = c
		}
		c.Inc()
	})
}
