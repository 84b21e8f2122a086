package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// TestSIPpProbesAllRecorded sends OPTIONS and INVITE probes with sipp over
// UDP and TCP and checks that each one is in the database and the JSON log,
// with the right method, user agent, number and addresses.
func TestSIPpProbesAllRecorded(t *testing.T) {
	d := start(t, "")
	const n = 100
	runs := []struct {
		scenario, transport string
		tr                  event.Transport
		method, agent       string
		number              func(i int) string
	}{
		{"options.xml", "u1", event.UDP, "OPTIONS", "sipp-test-scanner", func(i int) string { return fmt.Sprint(i) }},
		{"invite.xml", "u1", event.UDP, "INVITE", "sipcli/v1.8", func(i int) string { return fmt.Sprintf("00972597%d", i) }},
		{"options.xml", "t1", event.TCP, "OPTIONS", "sipp-test-scanner", func(i int) string { return fmt.Sprint(i) }},
		{"invite.xml", "t1", event.TCP, "INVITE", "sipcli/v1.8", func(i int) string { return fmt.Sprintf("00972597%d", i) }},
	}
	for _, r := range runs {
		sipp(t, d, r.scenario, r.transport, n, 200)
	}
	d.stop()

	evs := d.events()
	if len(evs) != n*len(runs) {
		t.Fatalf("stored %d events, want %d", len(evs), n*len(runs))
	}
	type key struct {
		tr     event.Transport
		method string
	}
	numbers := map[key]map[string]bool{}
	uuids := map[string]event.Event{}
	for _, e := range evs {
		k := key{e.Transport, e.Method}
		if numbers[k] == nil {
			numbers[k] = map[string]bool{}
		}
		numbers[k][e.CalledNumber] = true
		uuids[e.ID.String()] = e
		if e.Source.Addr().String() != "127.0.0.1" || e.Destination.String() != d.addr || e.ParseError != "" || e.Collected != event.Passive {
			t.Fatalf("event %+v", e)
		}
	}
	for _, r := range runs {
		got := numbers[key{r.tr, r.method}]
		for i := 1; i <= n; i++ {
			if !got[r.number(i)] {
				t.Errorf("%s %s: no event for number %s", r.tr, r.method, r.number(i))
			}
		}
	}
	for _, e := range evs {
		want := map[string]string{"OPTIONS": "sipp-test-scanner", "INVITE": "sipcli/v1.8"}[e.Method]
		if e.UserAgent != want {
			t.Fatalf("user agent %q for %s", e.UserAgent, e.Method)
		}
	}

	lines := d.jsonLog()
	if len(lines) != len(evs) {
		t.Fatalf("JSON log has %d lines, database %d events", len(lines), len(evs))
	}
	for _, l := range lines {
		e, ok := uuids[fmt.Sprint(l["event_uuid"])]
		if !ok {
			t.Fatalf("JSON line with unknown event_uuid: %v", l)
		}
		checks := map[string]string{
			"sip_method":       e.Method,
			"sip_user_agent":   e.UserAgent,
			"called_number":    e.CalledNumber,
			"source_ip":        "127.0.0.1",
			"destination_ip":   "127.0.0.1",
			"transport_type":   e.Transport.String(),
			"collected_method": "passive",
			"app_name":         "sentrypeer",
		}
		for k, want := range checks {
			if fmt.Sprint(l[k]) != want {
				t.Fatalf("JSON %s = %v, want %q in %v", k, l[k], want, l)
			}
		}
		if !strings.HasPrefix(fmt.Sprint(l["sip_message"]), e.Method+" ") {
			t.Fatalf("JSON sip_message %q", l["sip_message"])
		}
	}
}

// TestResponsiveAnswersSatisfySIPp: sipp, a real SIP stack, accepts the
// honeypot's OPTIONS answers over UDP and TCP.
func TestResponsiveAnswersSatisfySIPp(t *testing.T) {
	d := start(t, "", "-r")
	sipp(t, d, "options-uac.xml", "u1", 20, 50)
	sipp(t, d, "options-uac.xml", "t1", 20, 50)
	d.stop()
	evs := d.events()
	if len(evs) != 40 {
		t.Fatalf("stored %d events, want 40", len(evs))
	}
	for _, e := range evs {
		if e.Collected != event.Responsive {
			t.Fatalf("collected %v", e.Collected)
		}
	}
}
