package metrics

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sentrypeer/sentrypeer/internal/p2p"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/responder"
	"github.com/sentrypeer/sentrypeer/internal/siplisten"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

type fakeBlockers []block.Status

func (f fakeBlockers) Status() []block.Status { return f }

// fake is a Stats source returning a fixed snapshot.
type fake[S any] struct{ s S }

func (f fake[S]) Stats() S { return f.s }

func TestCollectors(t *testing.T) {
	tests := []struct {
		name string
		c    prometheus.Collector
		want string
	}{
		{
			name: "blockers",
			c: newBlockerCollector(fakeBlockers{{Name: "nftables", InSync: true, Held: 7, Syncs: 3, Applies: 5, Errors: 1, Lost: 2}},
				func() (map[string]uint64, error) { return map[string]uint64{"ipv4": 9, "ipv6": 1}, nil }),
			want: `
# HELP sentrypeer_blocker_applies_total Batches of changes the blocker applied.
# TYPE sentrypeer_blocker_applies_total counter
sentrypeer_blocker_applies_total{blocker="nftables"} 5
# HELP sentrypeer_blocker_changes_missed_total Times the blocker fell behind the changes and converged on the whole set.
# TYPE sentrypeer_blocker_changes_missed_total counter
sentrypeer_blocker_changes_missed_total{blocker="nftables"} 2
# HELP sentrypeer_blocker_elements Elements a blocker holds (set elements; decisions a bouncer was sent).
# TYPE sentrypeer_blocker_elements gauge
sentrypeer_blocker_elements{blocker="nftables"} 7
# HELP sentrypeer_blocker_errors_total Failed calls of the blocker (each is followed by a reconcile).
# TYPE sentrypeer_blocker_errors_total counter
sentrypeer_blocker_errors_total{blocker="nftables"} 1
# HELP sentrypeer_blocker_in_sync 1 when the blocker's last call succeeded (a bouncer: it pulled since start-up).
# TYPE sentrypeer_blocker_in_sync gauge
sentrypeer_blocker_in_sync{blocker="nftables"} 1
# HELP sentrypeer_blocker_reconciles_total Times the blocker converged on the whole set of decisions.
# TYPE sentrypeer_blocker_reconciles_total counter
sentrypeer_blocker_reconciles_total{blocker="nftables"} 3
# HELP sentrypeer_nft_dropped_packets_total Packets dropped by the nftables chain's rules, by family.
# TYPE sentrypeer_nft_dropped_packets_total counter
sentrypeer_nft_dropped_packets_total{family="ipv4"} 9
sentrypeer_nft_dropped_packets_total{family="ipv6"} 1
`,
		},
		{
			name: "decisions",
			c: newDecisionCollector(fake[decision.Stats]{decision.Stats{ByOrigin: map[decision.Origin]int{decision.Local: 3, decision.Manual: 1},
				Evicted: 2, Refused: 5, Ignored: 7}}),
			want: `
# HELP sentrypeer_decisions Decisions held, by origin (local, peers, trusted, manual).
# TYPE sentrypeer_decisions gauge
sentrypeer_decisions{origin="local"} 3
sentrypeer_decisions{origin="manual"} 1
sentrypeer_decisions{origin="peers"} 0
sentrypeer_decisions{origin="trusted"} 0
# HELP sentrypeer_decisions_evicted_total Decisions dropped, or not made, to stay within --block-max (the weakest evidence first).
# TYPE sentrypeer_decisions_evicted_total counter
sentrypeer_decisions_evicted_total 2
# HELP sentrypeer_decisions_ignored_total Sightings of values the operator unblocked, or unproven ones with --block-evidence proven.
# TYPE sentrypeer_decisions_ignored_total counter
sentrypeer_decisions_ignored_total 7
# HELP sentrypeer_decisions_refused_total Sightings of addresses that are never blocked (--allow, own, peers', loopback, bogons).
# TYPE sentrypeer_decisions_refused_total counter
sentrypeer_decisions_refused_total 5
`,
		},
		{
			name: "bus",
			c: newBusCollector(fake[[]event.Stats]{[]event.Stats{
				{Name: "store", Capacity: 1024, Queued: 3, Delivered: 10, Dropped: 2},
				{Name: "json", Capacity: 256, Queued: 0, Delivered: 12, Dropped: 0},
			}}),
			want: `
# HELP sentrypeer_sink_events_delivered_total Events the bus put on a sink's queue.
# TYPE sentrypeer_sink_events_delivered_total counter
sentrypeer_sink_events_delivered_total{sink="json"} 12
sentrypeer_sink_events_delivered_total{sink="store"} 10
# HELP sentrypeer_sink_events_dropped_total Events the bus dropped for a sink because its queue was full or the bus was closed.
# TYPE sentrypeer_sink_events_dropped_total counter
sentrypeer_sink_events_dropped_total{sink="json"} 0
sentrypeer_sink_events_dropped_total{sink="store"} 2
# HELP sentrypeer_sink_queue_capacity Size of a sink's queue.
# TYPE sentrypeer_sink_queue_capacity gauge
sentrypeer_sink_queue_capacity{sink="json"} 256
sentrypeer_sink_queue_capacity{sink="store"} 1024
# HELP sentrypeer_sink_queue_depth Events waiting in a sink's queue.
# TYPE sentrypeer_sink_queue_depth gauge
sentrypeer_sink_queue_depth{sink="json"} 0
sentrypeer_sink_queue_depth{sink="store"} 3
`,
		},
		{
			name: "bus with a repeated sink name",
			c: newBusCollector(fake[[]event.Stats]{[]event.Stats{
				{Name: "x", Capacity: 4, Queued: 1, Delivered: 5, Dropped: 1},
				{Name: "x", Capacity: 8, Queued: 2, Delivered: 7, Dropped: 3},
			}}),
			want: `
# HELP sentrypeer_sink_events_delivered_total Events the bus put on a sink's queue.
# TYPE sentrypeer_sink_events_delivered_total counter
sentrypeer_sink_events_delivered_total{sink="x"} 12
# HELP sentrypeer_sink_events_dropped_total Events the bus dropped for a sink because its queue was full or the bus was closed.
# TYPE sentrypeer_sink_events_dropped_total counter
sentrypeer_sink_events_dropped_total{sink="x"} 4
# HELP sentrypeer_sink_queue_capacity Size of a sink's queue.
# TYPE sentrypeer_sink_queue_capacity gauge
sentrypeer_sink_queue_capacity{sink="x"} 12
# HELP sentrypeer_sink_queue_depth Events waiting in a sink's queue.
# TYPE sentrypeer_sink_queue_depth gauge
sentrypeer_sink_queue_depth{sink="x"} 3
`,
		},
		{
			name: "listener",
			c: newListenerCollector(fake[siplisten.Stats]{siplisten.Stats{
				UDPPackets: 1, StreamMessages: 2, Published: 3, NotPublished: 4,
				Answers: 5, AnswerErrors: 6, ReadErrors: 7, ConnsAccepted: 8,
				ConnsRefused: 9, Oversize: 10, TimedOut: 11,
			}}),
			want: `
# HELP sentrypeer_events_not_published_total Probe events at least one sink dropped because its queue was full.
# TYPE sentrypeer_events_not_published_total counter
sentrypeer_events_not_published_total 4
# HELP sentrypeer_events_published_total Probe events every sink accepted.
# TYPE sentrypeer_events_published_total counter
sentrypeer_events_published_total 3
# HELP sentrypeer_response_errors_total SIP responses that could not be sent.
# TYPE sentrypeer_response_errors_total counter
sentrypeer_response_errors_total 6
# HELP sentrypeer_responses_sent_total SIP responses sent in responsive mode.
# TYPE sentrypeer_responses_sent_total counter
sentrypeer_responses_sent_total 5
# HELP sentrypeer_socket_read_errors_total Socket read errors other than shutdown.
# TYPE sentrypeer_socket_read_errors_total counter
sentrypeer_socket_read_errors_total 7
# HELP sentrypeer_stream_connections_accepted_total TCP and TLS connections served.
# TYPE sentrypeer_stream_connections_accepted_total counter
sentrypeer_stream_connections_accepted_total 8
# HELP sentrypeer_stream_connections_refused_total TCP and TLS connections closed at once because a connection cap was reached.
# TYPE sentrypeer_stream_connections_refused_total counter
sentrypeer_stream_connections_refused_total 9
# HELP sentrypeer_stream_connections_timed_out_total TCP and TLS connections closed for being too slow.
# TYPE sentrypeer_stream_connections_timed_out_total counter
sentrypeer_stream_connections_timed_out_total 11
# HELP sentrypeer_stream_messages_oversize_total Stream messages over the size cap (recorded, then the connection closed).
# TYPE sentrypeer_stream_messages_oversize_total counter
sentrypeer_stream_messages_oversize_total 10
# HELP sentrypeer_stream_messages_total SIP messages read from TCP and TLS connections.
# TYPE sentrypeer_stream_messages_total counter
sentrypeer_stream_messages_total 2
# HELP sentrypeer_udp_datagrams_total SIP datagrams read from UDP sockets.
# TYPE sentrypeer_udp_datagrams_total counter
sentrypeer_udp_datagrams_total 1
`,
		},
		{
			name: "store",
			c: newStoreCollector(fake[store.Stats]{store.Stats{
				EventsStored: 1000, EventsLost: 2, Batches: 10, FailedBatches: 1,
				WriteRetries: 3, RetentionDeleted: 500, RetentionErrors: 4,
				LastBatchDuration: 1500 * time.Microsecond, WriteTime: 2500 * time.Millisecond, FileBytes: 4096,
			}}),
			want: `
# HELP sentrypeer_store_batch_write_seconds_total Time spent writing batches, encoding and failed attempts included.
# TYPE sentrypeer_store_batch_write_seconds_total counter
sentrypeer_store_batch_write_seconds_total 2.5
# HELP sentrypeer_store_batches_failed_total Batches given up after every attempt failed.
# TYPE sentrypeer_store_batches_failed_total counter
sentrypeer_store_batches_failed_total 1
# HELP sentrypeer_store_batches_total Batches committed to the database.
# TYPE sentrypeer_store_batches_total counter
sentrypeer_store_batches_total 10
# HELP sentrypeer_store_events_lost_total Events the store received but did not write.
# TYPE sentrypeer_store_events_lost_total counter
sentrypeer_store_events_lost_total 2
# HELP sentrypeer_store_events_stored_total Events committed to the database.
# TYPE sentrypeer_store_events_stored_total counter
sentrypeer_store_events_stored_total 1000
# HELP sentrypeer_store_file_bytes Size on disk of the database and its write-ahead log.
# TYPE sentrypeer_store_file_bytes gauge
sentrypeer_store_file_bytes 4096
# HELP sentrypeer_store_last_batch_write_seconds How long the last committed batch took to write.
# TYPE sentrypeer_store_last_batch_write_seconds gauge
sentrypeer_store_last_batch_write_seconds 0.0015
# HELP sentrypeer_store_retention_deleted_events_total Events deleted for being older than the retention age.
# TYPE sentrypeer_store_retention_deleted_events_total counter
sentrypeer_store_retention_deleted_events_total 500
# HELP sentrypeer_store_retention_errors_total Retention passes that stopped on an error.
# TYPE sentrypeer_store_retention_errors_total counter
sentrypeer_store_retention_errors_total 4
# HELP sentrypeer_store_write_retries_total Failed batch attempts that were retried.
# TYPE sentrypeer_store_write_retries_total counter
sentrypeer_store_write_retries_total 3
`,
		},
		{
			name: "responder",
			c: newResponderCollector(fake[responder.Stats]{responder.Stats{
				Responses: 40, Reduced: 3, Skipped: 2, Unanswerable: 1,
			}}),
			want: `
# HELP sentrypeer_responder_responses_reduced_total Responses shortened to fit a UDP size budget.
# TYPE sentrypeer_responder_responses_reduced_total counter
sentrypeer_responder_responses_reduced_total 3
# HELP sentrypeer_responder_responses_skipped_total Responses not produced because even the shortest form exceeded the budget of an unproven UDP source.
# TYPE sentrypeer_responder_responses_skipped_total counter
sentrypeer_responder_responses_skipped_total 2
# HELP sentrypeer_responder_responses_total SIP responses the responder produced.
# TYPE sentrypeer_responder_responses_total counter
sentrypeer_responder_responses_total 40
# HELP sentrypeer_responder_unanswerable_messages_total Messages that got no response because they could not be answered.
# TYPE sentrypeer_responder_unanswerable_messages_total counter
sentrypeer_responder_unanswerable_messages_total 1
`,
		},
		{
			name: "JSON log",
			c:    newJSONLogCollector(fake[logsink.JSONStats]{logsink.JSONStats{Written: 7, Failed: 1, Reopens: 2}}),
			want: `
# HELP sentrypeer_json_log_events_failed_total Events lost to JSON event log write errors or handled after close.
# TYPE sentrypeer_json_log_events_failed_total counter
sentrypeer_json_log_events_failed_total 1
# HELP sentrypeer_json_log_events_written_total Events written to the JSON event log.
# TYPE sentrypeer_json_log_events_written_total counter
sentrypeer_json_log_events_written_total 7
# HELP sentrypeer_json_log_reopens_total Successful reopens of the JSON event log.
# TYPE sentrypeer_json_log_reopens_total counter
sentrypeer_json_log_reopens_total 2
`,
		},
		{
			name: "syslog",
			c:    newSyslogCollector(fake[logsink.SyslogStats]{logsink.SyslogStats{Sent: 9, Dropped: 4, Connects: 1}}),
			want: `
# HELP sentrypeer_syslog_connects_total Successful syslog connections, the first one included.
# TYPE sentrypeer_syslog_connects_total counter
sentrypeer_syslog_connects_total 1
# HELP sentrypeer_syslog_events_dropped_total Events not sent to syslog: no connection, a write error, or after close.
# TYPE sentrypeer_syslog_events_dropped_total counter
sentrypeer_syslog_events_dropped_total 4
# HELP sentrypeer_syslog_events_sent_total Event lines handed to the syslog connection.
# TYPE sentrypeer_syslog_events_sent_total counter
sentrypeer_syslog_events_sent_total 9
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := testutil.CollectAndCompare(tt.c, strings.NewReader(tt.want)); err != nil {
				t.Error(err)
			}
			problems, err := testutil.CollectAndLint(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("lint: %s: %s", p.Metric, p.Text)
			}
		})
	}
}

// TestScrapeIsIdempotent scrapes the same sources twice, through the
// registry and through the HTTP handler: the second scrape must report the
// sources' values, not their double.
func TestScrapeIsIdempotent(t *testing.T) {
	m := New()
	if err := m.RegisterStore(fake[store.Stats]{store.Stats{EventsStored: 5}}); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterBus(fake[[]event.Stats]{[]event.Stats{{Name: "store", Delivered: 7}}}); err != nil {
		t.Fatal(err)
	}
	const want = `
# HELP sentrypeer_store_events_stored_total Events committed to the database.
# TYPE sentrypeer_store_events_stored_total counter
sentrypeer_store_events_stored_total 5
# HELP sentrypeer_sink_events_delivered_total Events the bus put on a sink's queue.
# TYPE sentrypeer_sink_events_delivered_total counter
sentrypeer_sink_events_delivered_total{sink="store"} 7
`
	for i := range 2 {
		t.Run(fmt.Sprintf("gather %d", i+1), func(t *testing.T) {
			err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
				"sentrypeer_store_events_stored_total", "sentrypeer_sink_events_delivered_total")
			if err != nil {
				t.Error(err)
			}
		})
	}
	for i := range 2 {
		t.Run(fmt.Sprintf("http %d", i+1), func(t *testing.T) {
			body := scrape(t, m)
			for _, line := range []string{
				"sentrypeer_store_events_stored_total 5\n",
				`sentrypeer_sink_events_delivered_total{sink="store"} 7` + "\n",
			} {
				if !strings.Contains(body, line) {
					t.Errorf("scrape lacks %q", line)
				}
			}
		})
	}
}

func TestRegisterTwiceFails(t *testing.T) {
	m := New()
	src := fake[responder.Stats]{}
	if err := m.RegisterResponder(src); err != nil {
		t.Fatal(err)
	}
	err := m.RegisterResponder(src)
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Errorf("second RegisterResponder: err = %v, want AlreadyRegisteredError", err)
	}
}

type fakeP2P struct{ s p2p.Stats }

func (f fakeP2P) Stats() p2p.Stats { return f.s }

func TestP2PCollector(t *testing.T) {
	m := New()
	if err := m.RegisterP2P(fakeP2P{p2p.Stats{Peers: 3, Published: 7, ReceivedGossip: 5, ReceivedSync: 2,
		Rejected: map[string]uint64{"signature": 4, "stale": 1}, BytesIn: 100, BytesOut: 200}}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP sentrypeer_p2p_records_rejected_total Records from peers refused, by reason (signature, stale, future, ip, origin, duplicate, rate, ...).
# TYPE sentrypeer_p2p_records_rejected_total counter
sentrypeer_p2p_records_rejected_total{reason="signature"} 4
sentrypeer_p2p_records_rejected_total{reason="stale"} 1
# HELP sentrypeer_p2p_records_received_total Records from peers accepted, by how they came (gossip or sync).
# TYPE sentrypeer_p2p_records_received_total counter
sentrypeer_p2p_records_received_total{via="gossip"} 5
sentrypeer_p2p_records_received_total{via="sync"} 2
# HELP sentrypeer_p2p_peers Peers connected now.
# TYPE sentrypeer_p2p_peers gauge
sentrypeer_p2p_peers 3
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"sentrypeer_p2p_records_rejected_total", "sentrypeer_p2p_records_received_total", "sentrypeer_p2p_peers"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.GatherAndLint(m.Registry()); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}
