package logsink

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// put queues e, waiting while the queue is full as a channel send would:
// the bus drops instead, but these tests count every event. It yields
// rather than sleeps, so that the hand-over is as prompt as a channel's.
func put(tb testing.TB, q *event.Queue, e *event.Event) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for q.Put(e) == 0 {
		if time.Now().After(deadline) {
			tb.Fatal("queue stayed full for 5 s")
		}
		runtime.Gosched()
	}
}

var testInfo = AppInfo{Name: "sentrypeer", Version: "4.0.0-test"}

// sipviciousRaw is a probe as sipvicious svmap sends it.
const sipviciousRaw = "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1234;rport\r\n" +
	"Max-Forwards: 70\r\n" +
	"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n" +
	"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6434396633623535\r\n" +
	"User-Agent: friendly-scanner\r\n" +
	"Call-ID: 1234567890\r\n" +
	"Contact: sip:100@203.0.113.5:5060\r\n" +
	"CSeq: 1 OPTIONS\r\n" +
	"Accept: application/sdp\r\n" +
	"Content-Length: 0\r\n\r\n"

// testEvent returns a realistic event whose CallID carries seq, so that
// tests can find every line again.
func testEvent(seq int) *event.Event {
	return &event.Event{
		Time:             time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		ID:               mustUUID("0b0e1c9e-5f27-4a5e-8c43-2b7a1f6c9d01"),
		NodeID:           mustUUID("460f30e4-ce1d-4d53-9004-dd40a1c4abc9"),
		Collected:        event.Passive,
		Transport:        event.UDP,
		Source:           netip.MustParseAddrPort("203.0.113.5:5060"),
		Destination:      netip.MustParseAddrPort("192.0.2.10:5060"),
		Method:           "OPTIONS",
		RequestURI:       "sip:100@192.0.2.10",
		CalledNumber:     "100",
		CalledNumberNorm: "100",
		From:             `"sipvicious"<sip:100@1.1.1.1>;tag=6434396633623535`,
		To:               `"sipvicious"<sip:100@1.1.1.1>`,
		CallID:           itoa(seq),
		CSeq:             "1 OPTIONS",
		UserAgent:        "friendly-scanner",
		Contact:          "sip:100@203.0.113.5:5060",
		Via:              "SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1234;rport",
		Raw:              sipviciousRaw,
	}
}

func itoa(i int) string { return string(appendDigits(nil, i, 9)) }

func mustUUID(s string) event.UUID {
	u, err := event.ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

// jsonLine is what a consumer reads back from one line.
type jsonLine struct {
	Original
	SourcePort          uint16 `json:"source_port"`
	DestinationPort     uint16 `json:"destination_port"`
	SIPRequestURI       string `json:"sip_request_uri"`
	CalledNumberNorm    string `json:"called_number_normalised"`
	SIPFrom             string `json:"sip_from"`
	SIPTo               string `json:"sip_to"`
	SIPCallID           string `json:"sip_call_id"`
	SIPCSeq             string `json:"sip_cseq"`
	SIPContact          string `json:"sip_contact"`
	SIPVia              string `json:"sip_via"`
	SIPMessageTruncated bool   `json:"sip_message_truncated"`
	ParseError          string `json:"parse_error"`
}

// decodeStrict decodes one line, failing on unknown keys.
func decodeStrict(t testing.TB, line []byte) jsonLine {
	t.Helper()
	var l jsonLine
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("line does not decode: %v\n%q", err, line)
	}
	if dec.More() {
		t.Fatalf("trailing data after the object: %q", line)
	}
	return l
}

// readLines returns the lines of the file at path, without newlines.
func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end in a newline", path)
	}
	return lines
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// countingHandler counts records at Warn level and above.
type countingHandler struct{ warns atomic.Int64 }

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.warns.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// fakeClock is a clock that tests move by hand; safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
