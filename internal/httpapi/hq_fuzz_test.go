package httpapi

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzParseWebhookEvent: whatever a reporting client posts, the parser
// either refuses it or returns an event the store and index can take: a
// valid source, a UUID, a time no later than now, and the object compacted.
func FuzzParseWebhookEvent(f *testing.F) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	f.Add([]byte(`{"app_name":"sentrypeer","app_version":"4.0.4","event_timestamp":"2026-12-02 11:59:59.123456789","event_uuid":"4c8fc3d6-6b6e-4c1e-9a4f-3f1f7a1e2b3c","created_by_node_id":"x","collected_method":"passive","transport_type":"UDP","source_ip":"203.0.113.7","destination_ip":"","called_number":"+44 20 7946 0000","sip_method":"INVITE","sip_user_agent":"friendly-scanner","sip_message":""}`))
	f.Add([]byte(`{"event_uuid":"nope"}`))
	f.Add([]byte(`{"event_timestamp":"2026-12-02T11:00:00Z","event_uuid":"4c8fc3d6-6b6e-4c1e-9a4f-3f1f7a1e2b3c","source_ip":"::ffff:192.0.2.1%eth0","called_number":"NOT_FOUND","sip_method":"options"}`))
	f.Add([]byte(`{"source_ip":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := parseWebhookEvent(json.RawMessage(raw), now)
		if err != nil {
			return
		}
		if !e.SourceIP.IsValid() || e.SourceIP.Zone() != "" || e.SourceIP.Is4In6() {
			t.Fatalf("source %v accepted", e.SourceIP)
		}
		if e.UUID == "" || e.Time.After(now) || e.Time.IsZero() {
			t.Fatalf("accepted uuid %q time %v", e.UUID, e.Time)
		}
		if !json.Valid(e.Data) {
			t.Fatalf("stored data is not JSON: %q", e.Data)
		}
	})
}
