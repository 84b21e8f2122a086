package logsink

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// stdlibString is what encoding/json writes for s without HTML escaping.
func stdlibString(t testing.TB, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func allBytes() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

var nastyStrings = []struct{ name, s string }{
	{"empty", ""},
	{"plain", "friendly-scanner"},
	{"quote and backslash", `a"b\c"\\`},
	{"crlf", "INVITE sip:1@x SIP/2.0\r\nVia: x\r\n\r\n"},
	{"nul", "a\x00b\x00"},
	{"all C0 and DEL", "\x01\x02\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f\x7f"},
	{"every byte", allBytes()},
	{"invalid utf-8", "\xff\xfe\xc3\x28\xe2\x82"},
	{"truncated rune at end", "abc\xe2\x82"},
	{"utf-16 surrogate as utf-8", "\xed\xa0\x80"},
	{"overlong slash", "\xc0\xaf"},
	{"line and paragraph separators", "a\u2028b\u2029c"},
	{"valid multibyte", "Grüße 日本 🎉 \ufffd"},
	{"html is not escaped", "<script>&</script>"},
	{"huge", strings.Repeat("A\x00\"\\\xff\u2028", 100_000)},
}

func TestAppendString(t *testing.T) {
	for _, tc := range nastyStrings {
		t.Run(tc.name, func(t *testing.T) {
			got := appendString([]byte("prefix"), tc.s)
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatal("prefix clobbered")
			}
			got = got[len("prefix"):]
			if want := stdlibString(t, tc.s); !bytes.Equal(got, want) {
				t.Fatalf("differs from encoding/json:\n got %.200q\nwant %.200q", got, want)
			}
			var back string
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("does not decode: %v", err)
			}
			if want := perByteReplacement(tc.s); back != want {
				t.Fatalf("round trip gives %.100q, want %.100q", back, want)
			}
		})
	}
}

// perByteReplacement is s with each byte of invalid UTF-8 replaced by
// U+FFFD, which is what a consumer decodes.
func perByteReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte
		i += size
	}
	return b.String()
}

func FuzzAppendString(f *testing.F) {
	for _, tc := range nastyStrings {
		if len(tc.s) < 4096 {
			f.Add(tc.s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if want := stdlibString(t, s); !bytes.Equal(got, want) {
			t.Fatalf("differs from encoding/json:\n got %q\nwant %q", got, want)
		}
	})
}

func TestAppendTimestamp(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"nanoseconds", time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC), "2024-05-06 07:08:09.123456789"},
		{"small nanoseconds are zero padded", time.Date(2024, 12, 31, 23, 59, 59, 5000, time.UTC), "2024-12-31 23:59:59.000005000"},
		{"converted to UTC", time.Date(2024, 1, 1, 0, 30, 0, 0, cet), "2023-12-31 23:30:00.000000000"},
		{"zero time", time.Time{}, "0001-01-01 00:00:00.000000000"},
		{"year 10000 falls back", time.Date(10000, 1, 2, 3, 4, 5, 6, time.UTC), "10000-01-02 03:04:05.000000006"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendTimestamp(nil, tc.t)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got := tc.t.UTC().Format(timestampLayout); got != tc.want {
				t.Errorf("layout disagrees: %q", got)
			}
			// The cache, primed with another nanosecond of the same
			// second, with the second before, and with nothing.
			for _, prime := range []time.Time{tc.t.Add(-time.Nanosecond), tc.t.Add(-time.Second), {}} {
				var c stampCache
				if !prime.IsZero() {
					c.append(nil, prime)
				}
				if got := string(c.append(nil, tc.t)); got != tc.want {
					t.Errorf("primed with %v: got %q, want %q", prime, got, tc.want)
				}
			}
		})
	}
}

// originalKeys are the keys of the C original's bad_actor_to_json, in order.
var originalKeys = []string{
	"app_name", "app_version", "event_timestamp", "event_uuid",
	"created_by_node_id", "collected_method", "transport_type", "source_ip",
	"destination_ip", "called_number", "sip_method", "sip_user_agent",
	"sip_message",
}

func keysInOrder(t *testing.T, line []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				depth++
			} else if v == '}' {
				depth--
			}
		case string:
			if depth == 1 {
				keys = append(keys, v)
				if _, err := dec.Token(); err != nil { // skip the value
					t.Fatal(err)
				}
			}
		}
	}
	return keys
}

func TestAppendEvent(t *testing.T) {
	full := testEvent(42)

	absent := testEvent(7)
	absent.CalledNumber, absent.UserAgent, absent.Method = "", "", ""
	absent.ParseError = "sip: no start line"
	absent.Collected, absent.Transport = event.Responsive, event.TLS

	mapped := testEvent(8)
	mapped.Source = netip.MustParseAddrPort("[::ffff:198.51.100.7]:40000")
	mapped.Destination = netip.MustParseAddrPort("[2001:db8::1]:5061")
	mapped.Transport = event.TCP

	nasty := testEvent(9)
	nasty.Raw = "INVITE \x00\xff\xfe\u2028 SIP/2.0\r\n" + strings.Repeat("X", 1<<20)
	nasty.RawTruncated = true
	nasty.UserAgent = "evil\"\\\r\n\x00agent"

	zero := &event.Event{}

	tests := []struct {
		name string
		e    *event.Event
		want jsonLine
	}{
		{"sipvicious", full, jsonLine{
			Original: Original{
				AppName: "sentrypeer", AppVersion: "4.0.0-test",
				EventTimestamp:  "2024-05-06 07:08:09.123456789",
				EventUUID:       "0b0e1c9e-5f27-4a5e-8c43-2b7a1f6c9d01",
				CreatedByNodeID: "460f30e4-ce1d-4d53-9004-dd40a1c4abc9",
				CollectedMethod: "passive", TransportType: "UDP",
				SourceIP: "203.0.113.5", DestinationIP: "192.0.2.10",
				CalledNumber: "100", SIPMethod: "OPTIONS", SIPUserAgent: "friendly-scanner",
				SIPMessage: sipviciousRaw,
			},
			SourcePort: 5060, DestinationPort: 5060,
			SIPRequestURI: "sip:100@192.0.2.10", CalledNumberNorm: "100",
			SIPFrom: full.From, SIPTo: full.To, SIPCallID: "000000042", SIPCSeq: "1 OPTIONS",
			SIPContact: full.Contact, SIPVia: full.Via,
		}},
		{"absent values read NOT_FOUND like the original", absent, func() jsonLine {
			l := lineOf(absent)
			l.CalledNumber, l.SIPUserAgent, l.SIPMethod = "NOT_FOUND", "NOT_FOUND", ""
			l.CollectedMethod, l.TransportType = "responsive", "TLS"
			l.ParseError = "sip: no start line"
			return l
		}()},
		{"mapped and v6 addresses", mapped, func() jsonLine {
			l := lineOf(mapped)
			l.SourceIP, l.SourcePort = "198.51.100.7", 40000
			l.DestinationIP, l.DestinationPort = "2001:db8::1", 5061
			l.TransportType = "TCP"
			return l
		}()},
		{"nasty and huge", nasty, func() jsonLine {
			l := lineOf(nasty)
			l.SIPMessage = "INVITE \x00\ufffd\ufffd\u2028 SIP/2.0\r\n" + strings.Repeat("X", 1<<20)
			l.SIPMessageTruncated = true
			l.SIPUserAgent = nasty.UserAgent
			return l
		}()},
		{"zero event", zero, jsonLine{Original: Original{
			AppName: "sentrypeer", AppVersion: "4.0.0-test",
			EventTimestamp:  "0001-01-01 00:00:00.000000000",
			EventUUID:       "00000000-0000-0000-0000-000000000000",
			CreatedByNodeID: "00000000-0000-0000-0000-000000000000",
			CollectedMethod: "unknown", TransportType: "unknown",
			CalledNumber: "NOT_FOUND", SIPUserAgent: "NOT_FOUND",
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line := appendEvent(nil, tc.e, &testInfo, nil)
			if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
				t.Fatalf("not exactly one line: %.300q", line)
			}
			got := decodeStrict(t, line)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded line differs:\n got %+.300v\nwant %+.300v", got, tc.want)
			}
			keys := keysInOrder(t, line)
			if len(keys) != 25 || !reflect.DeepEqual(keys[:len(originalKeys)], originalKeys) {
				t.Errorf("keys: %q", keys)
			}
		})
	}
}

// lineOf is the expected decoding of e for fields that need no special case.
func lineOf(e *event.Event) jsonLine {
	return jsonLine{
		Original: Original{
			AppName: testInfo.Name, AppVersion: testInfo.Version,
			EventTimestamp:  e.Time.UTC().Format(timestampLayout),
			EventUUID:       e.ID.String(),
			CreatedByNodeID: e.NodeID.String(),
			CollectedMethod: e.Collected.String(), TransportType: e.Transport.String(),
			SourceIP: e.Source.Addr().String(), DestinationIP: e.Destination.Addr().String(),
			CalledNumber: e.CalledNumber, SIPMethod: e.Method, SIPUserAgent: e.UserAgent,
			SIPMessage: e.Raw,
		},
		SourcePort: e.Source.Port(), DestinationPort: e.Destination.Port(),
		SIPRequestURI: e.RequestURI, CalledNumberNorm: e.CalledNumberNorm,
		SIPFrom: e.From, SIPTo: e.To, SIPCallID: e.CallID, SIPCSeq: e.CSeq,
		SIPContact: e.Contact, SIPVia: e.Via, SIPMessageTruncated: e.RawTruncated,
		ParseError: e.ParseError,
	}
}

// TestPlain8 checks the word test against the byte test for every byte
// value at every position of a word of otherwise plain bytes, and for
// pairs of bytes next to each other (where a borrow could spill over).
func TestPlain8(t *testing.T) {
	word := func(b [8]byte) bool { return plain8(load8(string(b[:]))) }
	for pos := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
			w[pos] = byte(c)
			if got, want := word(w), plain(byte(c)); got != want {
				t.Fatalf("byte %#02x at %d: plain8 = %v, plain = %v", c, pos, got, want)
			}
		}
	}
	for pos := range 7 {
		for c := range 256 {
			for d := range 256 {
				w := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
				w[pos], w[pos+1] = byte(c), byte(d)
				if got, want := word(w), plain(byte(c)) && plain(byte(d)); got != want {
					t.Fatalf("bytes %#02x %#02x at %d: plain8 = %v, want %v", c, d, pos, got, want)
				}
			}
		}
	}
}

// TestAppendOriginalIsThePrefixOfTheLogLine: the webhook's object, with
// everything shared, is the JSON log line cut after the original's keys.
func TestAppendOriginalIsThePrefixOfTheLogLine(t *testing.T) {
	for _, e := range []*event.Event{testEvent(1), junkEvent()} {
		line := appendEvent(nil, e, &testInfo, nil)
		obj := AppendOriginal(nil, e, &testInfo, Share{Raw: true, Destination: true})
		if !bytes.HasPrefix(line, obj[:len(obj)-1]) || line[len(obj)-1] != ',' {
			t.Errorf("object %q\nis not the start of line %q", obj, line)
		}
		var m map[string]any
		if err := json.Unmarshal(obj, &m); err != nil || len(m) != 13 {
			t.Errorf("%d keys, %v: %q", len(m), err, obj)
		}
	}
}
