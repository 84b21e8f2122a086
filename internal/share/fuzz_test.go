package share

import (
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/record"
)

// FuzzAdd feeds events with arbitrary fields: every record that comes out
// must validate, and every event must be counted once.
func FuzzAdd(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1}, "eth0", "INVITE", "sip:+44 20@x", "", "friendly-scanner", byte(1), int64(0))
	f.Add(make([]byte, 16), "", "IN VITE", "%2B1", "%2B1", "a\x00b", byte(3), int64(-1))
	f.Add([]byte{0xff}, "", "", "", "", "", byte(9), int64(1<<62))
	f.Fuzz(func(t *testing.T, ip []byte, zone, method, number, norm, ua string, tr byte, at int64) {
		addr, _ := netip.AddrFromSlice(ip)
		if addr.Is6() && zone != "" {
			addr = addr.WithZone(zone)
		}
		e := &event.Event{
			Time:             t0.Add(time.Duration(at)),
			Transport:        event.Transport(tr),
			Source:           netip.AddrPortFrom(addr, 5060),
			Method:           method,
			CalledNumber:     number,
			CalledNumberNorm: norm,
			UserAgent:        ua,
		}
		a, _ := newTest(t, Config{AllowPrivate: true, Rate: 1, Burst: 1})
		a.Add(e)
		a.Add(e) // a fold
		a.Add(probe("127.0.0.1", "100", t0))
		a.Flush()
		for _, r := range drain(a) {
			if err := record.Validate(r, r.LastSeen, record.Limits{AllowPrivate: true}); err != nil {
				t.Fatalf("event %+v gave record %+v: %v", e, r, err)
			}
			if _, err := record.Marshal(r); err != nil {
				t.Fatalf("record does not encode: %v", err)
			}
		}
		checkStats(t, a)
	})
}
