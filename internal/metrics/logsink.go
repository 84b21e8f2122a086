package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

func newJSONLogCollector(src JSONLogStats) prometheus.Collector {
	type S = logsink.JSONStats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_json_log_events_written_total",
			"Events written to the JSON event log.",
			func(s S) float64 { return float64(s.Written) }),
		counter("sentrypeer_json_log_events_failed_total",
			"Events lost to JSON event log write errors or handled after close.",
			func(s S) float64 { return float64(s.Failed) }),
		counter("sentrypeer_json_log_reopens_total",
			"Successful reopens of the JSON event log.",
			func(s S) float64 { return float64(s.Reopens) }),
	}}
}

func newSyslogCollector(src SyslogStats) prometheus.Collector {
	type S = logsink.SyslogStats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_syslog_events_sent_total",
			"Event lines handed to the syslog connection.",
			func(s S) float64 { return float64(s.Sent) }),
		counter("sentrypeer_syslog_events_dropped_total",
			"Events not sent to syslog: no connection, a write error, or after close.",
			func(s S) float64 { return float64(s.Dropped) }),
		counter("sentrypeer_syslog_connects_total",
			"Successful syslog connections, the first one included.",
			func(s S) float64 { return float64(s.Connects) }),
	}}
}
