package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/responder"
	"github.com/sentrypeer/sentrypeer/internal/siplisten"
	"github.com/sentrypeer/sentrypeer/internal/store"
	"github.com/sentrypeer/sentrypeer/internal/webhook"
)

// scrape fetches m's handler once and returns the body.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s: %s", res.Status, body)
	}
	return string(body)
}

// newFull returns a Metrics with every kind of source registered and one
// probe and API request recorded, so that every family has a sample.
func newFull(t *testing.T) *Metrics {
	t.Helper()
	m := New()
	for _, err := range []error{
		m.RegisterBus(fake[[]event.Stats]{[]event.Stats{{Name: "store", Capacity: 1}}}),
		m.RegisterListener(fake[siplisten.Stats]{}),
		m.RegisterStore(fake[store.Stats]{}),
		m.RegisterResponder(fake[responder.Stats]{}),
		m.RegisterJSONLog(fake[logsink.JSONStats]{}),
		m.RegisterSyslog(fake[logsink.SyslogStats]{}),
		m.RegisterWebhook(fake[webhook.Stats]{}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	m.probes.WithLabelValues("INVITE", "udp").Inc()
	m.Instrument("/x", http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	return m
}

func TestHandlerServesAllFamilies(t *testing.T) {
	body := scrape(t, newFull(t))
	for _, name := range []string{
		"go_goroutines", "process_cpu_seconds_total", "promhttp_metric_handler_requests_total",
		"sentrypeer_probes_total", "sentrypeer_api_requests_total", "sentrypeer_api_request_duration_seconds_bucket",
		"sentrypeer_sink_queue_depth", "sentrypeer_udp_datagrams_total", "sentrypeer_store_events_stored_total",
		"sentrypeer_responder_responses_total", "sentrypeer_json_log_events_written_total", "sentrypeer_syslog_events_sent_total",
		"sentrypeer_webhook_queued_events", "sentrypeer_webhook_delivered_events_total",
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(body, "\n"+name) {
				t.Errorf("scrape has no %s", name)
			}
		})
	}
}

// TestLintAll runs promlint over everything this package defines.
func TestLintAll(t *testing.T) {
	problems, err := testutil.GatherAndLint(newFull(t).Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "sentrypeer_") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		} else {
			t.Logf("lint (not ours): %s: %s", p.Metric, p.Text)
		}
	}
}

func TestNewHasOwnRegistry(t *testing.T) {
	a, b := New(), New()
	a.probes.WithLabelValues("BYE", "tcp").Inc()
	if n := testutil.CollectAndCount(b.probes); n != 0 {
		t.Errorf("second Metrics sees %d probe series of the first", n)
	}
}
