package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/responder"
)

func newResponderCollector(src ResponderStats) prometheus.Collector {
	type S = responder.Stats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_responder_responses_total",
			"SIP responses the responder produced.",
			func(s S) float64 { return float64(s.Responses) }),
		counter("sentrypeer_responder_responses_reduced_total",
			"Responses shortened to fit a UDP size budget.",
			func(s S) float64 { return float64(s.Reduced) }),
		counter("sentrypeer_responder_responses_skipped_total",
			"Responses not produced because even the shortest form exceeded the budget of an unproven UDP source.",
			func(s S) float64 { return float64(s.Skipped) }),
		counter("sentrypeer_responder_unanswerable_messages_total",
			"Messages that got no response because they could not be answered.",
			func(s S) float64 { return float64(s.Unanswerable) }),
	}}
}
