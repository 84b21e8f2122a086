package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/siplisten"
)

func newListenerCollector(src ListenerStats) prometheus.Collector {
	type S = siplisten.Stats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_udp_datagrams_total",
			"SIP datagrams read from UDP sockets.",
			func(s S) float64 { return float64(s.UDPPackets) }),
		counter("sentrypeer_stream_messages_total",
			"SIP messages read from TCP and TLS connections.",
			func(s S) float64 { return float64(s.StreamMessages) }),
		counter("sentrypeer_events_published_total",
			"Probe events every sink accepted.",
			func(s S) float64 { return float64(s.Published) }),
		counter("sentrypeer_events_not_published_total",
			"Probe events at least one sink dropped because its queue was full.",
			func(s S) float64 { return float64(s.NotPublished) }),
		counter("sentrypeer_responses_sent_total",
			"SIP responses sent in responsive mode.",
			func(s S) float64 { return float64(s.Answers) }),
		counter("sentrypeer_response_errors_total",
			"SIP responses that could not be sent.",
			func(s S) float64 { return float64(s.AnswerErrors) }),
		counter("sentrypeer_socket_read_errors_total",
			"Socket read errors other than shutdown.",
			func(s S) float64 { return float64(s.ReadErrors) }),
		counter("sentrypeer_stream_connections_accepted_total",
			"TCP and TLS connections served.",
			func(s S) float64 { return float64(s.ConnsAccepted) }),
		counter("sentrypeer_stream_connections_refused_total",
			"TCP and TLS connections closed at once because a connection cap was reached.",
			func(s S) float64 { return float64(s.ConnsRefused) }),
		counter("sentrypeer_stream_connections_timed_out_total",
			"TCP and TLS connections closed for being too slow.",
			func(s S) float64 { return float64(s.TimedOut) }),
		counter("sentrypeer_stream_messages_oversize_total",
			"Stream messages over the size cap (recorded, then the connection closed).",
			func(s S) float64 { return float64(s.Oversize) }),
	}}
}
