package sipagent

import (
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// FuzzAgent: whatever datagram arrives, the agent does not panic, and
// what it sends is one well-formed SIP response that echoes the request's
// Call-ID and Vias and has no body.
func FuzzAgent(f *testing.F) {
	for _, s := range []string{
		request("INVITE", "sip:+15551234@127.0.0.1:5080", cleanVia),
		request("INVITE", "sip:0044900123@127.0.0.1", cleanVia, "X-SentryPeer-Source: 203.0.113.7"),
		request("INVITE", "sip:100@127.0.0.1", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9;received=192.0.2.1, SIP/2.0/TCP [2001:db8::1]:5060"),
		request("OPTIONS", "sip:127.0.0.1", cleanVia),
		request("ACK", "sip:100@127.0.0.1", cleanVia),
		request("BYE", "sip:100@127.0.0.1", cleanVia),
		request("INVITE", "sip:a%41\"b{c}@127.0.0.1", cleanVia),
		strings.Replace(request("INVITE", "sip:100@127.0.0.1", cleanVia), "Content-Length: 0", "Content-Length: x", 1),
		"INVITE sip:1@h SIP/2.0\r\nv: SIP/2.0/UDP h\r\nf: a\r\nt: b\r\n c\r\ni: c\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 200 OK\r\n\r\n",
		"\r\n\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	set := newFakeSet("203.0.113.7", "192.0.2.0/24", "0044900123")
	a, err := New(Config{Destination: "pbx.example.com:5060;transport=tcp"}, set)
	if err != nil {
		f.Fatal(err)
	}
	w := newWorker()
	f.Fuzz(func(t *testing.T, data []byte) {
		var req sip.Message
		sip.Parse(string(data), &req)
		resp := a.handle(w, string(data))
		if resp == nil {
			return
		}
		var m sip.Message
		sip.Parse(string(resp), &m)
		if m.Err != nil || !m.IsResponse || m.StatusCode < 200 || m.StatusCode > 699 {
			t.Fatalf("bad response (status %d, %v):\n%q\nto:\n%q", m.StatusCode, m.Err, resp, data)
		}
		if m.CallID != strings.TrimSpace(req.CallID) || len(m.Vias) != len(req.Vias) || m.ContentLength != 0 || m.Body != "" {
			t.Fatalf("response does not echo the request:\n%q\nto:\n%q", resp, data)
		}
		if n := strings.Count(string(resp), "\r\n\r\n"); n != 1 || !strings.HasSuffix(string(resp), "\r\n\r\n") {
			t.Fatalf("response is not one message:\n%q", resp)
		}
	})
}
