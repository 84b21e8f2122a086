package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/metrics"
)

// Example wires a real bus: the probe counter is one more sink, and the
// bus's own counters are read at scrape time.
func Example() {
	m := metrics.New()
	bus := event.NewBus()
	sub, _ := bus.Subscribe("metrics", 16)
	if err := m.RegisterBus(bus); err != nil {
		panic(err)
	}
	done := make(chan error)
	go func() { done <- m.ProbeCounter().Run(context.Background(), sub.Queue()) }()

	bus.Publish(&event.Event{Method: "OPTIONS", Transport: event.UDP})
	bus.Publish(&event.Event{Method: "OPTIONS", Transport: event.UDP})
	bus.Publish(&event.Event{Method: "INVITE", Transport: event.TLS})
	bus.Close() // the sink drains its queue, then Run returns
	<-done

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "sentrypeer_probes_total") || strings.HasPrefix(l, "sentrypeer_sink_events_delivered_total") {
			fmt.Println(l)
		}
	}
	// Output:
	// sentrypeer_probes_total{method="INVITE",transport="tls"} 1
	// sentrypeer_probes_total{method="OPTIONS",transport="udp"} 2
	// sentrypeer_sink_events_delivered_total{sink="metrics"} 3
}
