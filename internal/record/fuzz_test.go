package record

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// FuzzUnmarshal checks that Unmarshal never panics, that whatever it
// accepts re-encodes to exactly the input (one encoding per record), and
// that Validate never panics on what it returns.
func FuzzUnmarshal(f *testing.F) {
	r := testRecord(f)
	good, _ := Marshal(r)
	f.Add(good)
	r.SourceIP = netip.MustParseAddr("2606:4700::1111")
	r.CalledNumber, r.Method, r.UserAgent = "", "", strings.Repeat("u", MaxUserAgentLen)
	r.Sign(testKey(1))
	v6, _ := Marshal(r)
	f.Add(v6)
	r.Destination, r.Raw = netip.MustParseAddrPort("192.0.2.10:5060"), "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n\r\n"
	r.Sign(testKey(1))
	v2, _ := Marshal(r)
	f.Add(v2)
	f.Add(good[:40])
	f.Add(append(bytes.Clone(good), 0))
	f.Add([]byte("SPR\x02"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			if r != nil {
				t.Fatal("record returned with an error")
			}
			if Reason(err) != "encoding" && Reason(err) != "version" {
				t.Fatalf("Unmarshal error %v has reason %q", err, Reason(err))
			}
			return
		}
		again, err := Marshal(r)
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, again)
		}
		err = Validate(r, testNow, Limits{AllowPrivate: true})
		if err != nil && Reason(err) == "other" {
			t.Fatalf("Validate error without a reason: %v", err)
		}
	})
}

// FuzzMarshal builds records from arbitrary fields: whatever Marshal
// accepts must decode to the same record, and a signed record that
// Validate accepts must still be accepted after the round trip.
func FuzzMarshal(f *testing.F) {
	f.Add([]byte{9, 9, 9, 9}, "100", "INVITE", "friendly-scanner", byte(1), int64(0), int64(1), uint32(1))
	f.Add(make([]byte, 16), "", "", "", byte(0), int64(-1), int64(-1), uint32(0))
	f.Fuzz(func(t *testing.T, ip []byte, number, method, ua string, tr byte, first, last int64, count uint32) {
		addr, _ := netip.AddrFromSlice(ip)
		r := &Record{
			SourceIP: addr, CalledNumber: number, Method: method, UserAgent: ua,
			Transport: event.Transport(tr), Count: count,
			FirstSeen: testNow.Add(time.Duration(first)), LastSeen: testNow.Add(time.Duration(last)),
		}
		r.Sign(testKey(1))
		b, err := Marshal(r)
		if err != nil {
			if r.Signature != nil {
				t.Fatalf("signed but does not encode: %v", err)
			}
			return
		}
		got, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("encoded record does not decode: %v", err)
		}
		again, _ := Marshal(got)
		if !bytes.Equal(again, b) {
			t.Fatal("round trip changed the encoding")
		}
		before := Validate(r, testNow, Limits{AllowPrivate: true})
		after := Validate(got, testNow, Limits{AllowPrivate: true})
		if Reason(before) != Reason(after) {
			t.Fatalf("Validate before the round trip: %v, after: %v", before, after)
		}
	})
}
