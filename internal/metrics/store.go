package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sentrypeer/sentrypeer/internal/store"
)

func newStoreCollector(src StoreStats) prometheus.Collector {
	type S = store.Stats
	return &snapshot[S]{stats: src.Stats, fields: []field[S]{
		counter("sentrypeer_store_events_stored_total",
			"Events committed to the database.",
			func(s S) float64 { return float64(s.EventsStored) }),
		counter("sentrypeer_store_events_lost_total",
			"Events the store received but did not write.",
			func(s S) float64 { return float64(s.EventsLost) }),
		counter("sentrypeer_store_batches_total",
			"Batches committed to the database.",
			func(s S) float64 { return float64(s.Batches) }),
		counter("sentrypeer_store_batches_failed_total",
			"Batches given up after every attempt failed.",
			func(s S) float64 { return float64(s.FailedBatches) }),
		counter("sentrypeer_store_write_retries_total",
			"Failed batch attempts that were retried.",
			func(s S) float64 { return float64(s.WriteRetries) }),
		counter("sentrypeer_store_batch_write_seconds_total",
			"Time spent writing batches, encoding and failed attempts included.",
			func(s S) float64 { return s.WriteTime.Seconds() }),
		gauge("sentrypeer_store_last_batch_write_seconds",
			"How long the last committed batch took to write.",
			func(s S) float64 { return s.LastBatchDuration.Seconds() }),
		gauge("sentrypeer_store_file_bytes",
			"Size on disk of the database and its write-ahead log.",
			func(s S) float64 { return float64(s.FileBytes) }),
		counter("sentrypeer_store_retention_deleted_events_total",
			"Events deleted for being older than the retention age.",
			func(s S) float64 { return float64(s.RetentionDeleted) }),
		counter("sentrypeer_store_retention_errors_total",
			"Retention passes that stopped on an error.",
			func(s S) float64 { return float64(s.RetentionErrors) }),
	}}
}
