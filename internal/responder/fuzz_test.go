package responder

import (
	"os"
	"path/filepath"
	"testing"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// FuzzAnswer feeds arbitrary datagrams through the reader and Answer: an
// unproven UDP source never gets more bytes than it sent, and every
// response is a SIP response sipgo accepts, with the request's headers
// echoed as checkResponse requires.
func FuzzAnswer(f *testing.F) {
	for _, raw := range []string{svcrackRegister, svwarRegister, svwarBaseline, svmapOptions, svwarInvite, fraudInvite} {
		f.Add(crlf(raw))
	}
	files, _ := filepath.Glob("../sip/testdata/rfc4475/*.dat")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	r := newTest(Config{})
	f.Fuzz(func(t *testing.T, raw string) {
		var m sip.Message
		sip.Parse(raw, &m)
		for _, tr := range []event.Transport{event.UDP, event.TCP} {
			out := r.Answer(&m, testSrc, tr, len(raw), nil)
			if n := totalLen(out); tr == event.UDP && n > len(raw) {
				t.Fatalf("UDP: %d bytes answered to %d", n, len(raw))
			}
			for _, b := range out {
				if _, err := sipgo.NewParser().ParseSIP(b); err != nil {
					t.Fatalf("sipgo rejects the answer: %v\n%q\nto\n%q", err, b, raw)
				}
				checkResponse(t, &m, testSrc, b)
			}
		}
	})
}
