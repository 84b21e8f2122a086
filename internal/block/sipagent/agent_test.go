package sipagent

import (
	"errors"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

const testDest = "127.0.0.1:5062"

// request builds a request as Kamailio relays it: its own Via on top, the
// caller's below (with received when given), the extra header lines.
func request(method, ruri, callerVia string, extra ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + ruri + " SIP/2.0\r\n")
	b.WriteString("Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKkam1\r\n")
	b.WriteString("Via: " + callerVia + "\r\n")
	b.WriteString("From: sipp <sip:caller@198.51.100.1:5090>;tag=f1\r\n")
	b.WriteString("To: <" + ruri + ">\r\n")
	b.WriteString("Call-ID: call-1@198.51.100.1\r\n")
	b.WriteString("CSeq: 1 " + method + "\r\n")
	b.WriteString("Max-Forwards: 69\r\n")
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

const cleanVia = "SIP/2.0/UDP 198.51.100.1:5090;branch=z9hG4bKc1"

func newTestAgent(t testing.TB, cfg Config, set *fakeSet) *Agent {
	t.Helper()
	if cfg.Destination == "" {
		cfg.Destination = testDest
	}
	a, err := New(cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAgentDecisions(t *testing.T) {
	set := newFakeSet("203.0.113.7", "192.0.2.0/24", "0044900123", "+44900", "2001:db8::66")
	tests := []struct {
		name   string
		cfg    Config
		msg    string
		status int      // 0: no response
		has    []string // lines the response must hold
		hasNot []string
	}{
		{name: "clean redirect", msg: request("INVITE", "sip:+15551234@127.0.0.1:5080", cleanVia),
			status: 302, has: []string{"Contact: <sip:+15551234@127.0.0.1:5062>", "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKkam1", "Via: " + cleanVia,
				"From: sipp <sip:caller@198.51.100.1:5090>;tag=f1", "Call-ID: call-1@198.51.100.1", "CSeq: 1 INVITE", "Content-Length: 0"}},
		{name: "clean redirect with transport", cfg: Config{Destination: "pbx.example.com:5070;transport=TCP"},
			msg: request("INVITE", "sip:100@127.0.0.1", cleanVia), status: 302, has: []string{"Contact: <sip:100@pbx.example.com:5070;transport=tcp>"}},
		{name: "clean tel uri", msg: request("INVITE", "tel:+15551234", cleanVia), status: 302, has: []string{"Contact: <sip:+15551234@127.0.0.1:5062>"}},
		{name: "number from To", msg: strings.Replace(request("INVITE", "sip:127.0.0.1", cleanVia), "To: <sip:127.0.0.1>", "To: <sip:0044900123@127.0.0.1>", 1),
			status: 404, has: []string{`text="SentryPeer: number 0044900123 is blocked"`}},
		{name: "no user at all", msg: request("INVITE", "sip:127.0.0.1", cleanVia), status: 302, has: []string{"Contact: <sip:127.0.0.1:5062>"}},
		{name: "odd user escaped", msg: request("INVITE", "sip:a%41\"b{c}@127.0.0.1", cleanVia), status: 302, has: []string{"Contact: <sip:a%41%22b%7Bc%7D@127.0.0.1:5062>"}},
		{name: "bad caller via header", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: 203.0.113.7"),
			status: 404, has: []string{"SIP/2.0 404 Not Found", `Reason: SIP;cause=404;text="SentryPeer: caller 203.0.113.7 is blocked"`}, hasNot: []string{"Contact:"}},
		{name: "bad caller via header with port, any case", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "x-sentrypeer-source :  203.0.113.7:5060"),
			status: 404, has: []string{"caller 203.0.113.7 is blocked"}},
		{name: "mapped caller via header", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: ::ffff:203.0.113.7"),
			status: 404, has: []string{"caller 203.0.113.7 is blocked"}},
		{name: "ipv6 caller via header", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: [2001:db8::66]:5060"),
			status: 404, has: []string{"caller 2001:db8::66 is blocked"}},
		{name: "last source header wins", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: 198.51.100.9", "X-SentryPeer-Source: 203.0.113.7"),
			status: 404},
		{name: "forged source header loses", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: 203.0.113.7", "X-SentryPeer-Source: 198.51.100.1"),
			status: 302},
		{name: "header overrides via", msg: request("INVITE", "sip:100@127.0.0.1", "SIP/2.0/UDP 203.0.113.7:5060;branch=z9", "X-SentryPeer-Source: 198.51.100.1"),
			status: 302},
		{name: "custom source header", cfg: Config{SourceHeader: "X-Real-IP"}, msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-Real-IP: 203.0.113.7", "X-SentryPeer-Source: 198.51.100.1"),
			status: 404},
		{name: "bad caller via received", msg: request("INVITE", "sip:100@127.0.0.1", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx;received=203.0.113.7;rport=5060"),
			status: 404, has: []string{"caller 203.0.113.7 is blocked"}},
		{name: "bad caller via host", msg: request("INVITE", "sip:100@127.0.0.1", "SIP / 2.0 / UDP 203.0.113.7:5060;branch=z9hG4bKx"),
			status: 404, has: []string{"caller 203.0.113.7 is blocked"}},
		{name: "bottom via of a list", msg: request("INVITE", "sip:100@127.0.0.1", "SIP/2.0/UDP 10.9.9.9;branch=a, SIP/2.0/UDP 203.0.113.7;branch=b"),
			status: 404},
		{name: "received beats host", msg: request("INVITE", "sip:100@127.0.0.1", "SIP/2.0/UDP 203.0.113.7:5060;branch=z9;received=198.51.100.1"),
			status: 302},
		{name: "caller in blocked network", msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: 192.0.2.55"),
			status: 404, has: []string{`text="SentryPeer: caller 192.0.2.55 is in blocked network 192.0.2.0/24"`}},
		{name: "bad number", msg: request("INVITE", "sip:0044900123@127.0.0.1:5080;user=phone", cleanVia),
			status: 404, has: []string{`Reason: SIP;cause=404;text="SentryPeer: number 0044900123 is blocked"`}},
		{name: "bad number normalised", msg: request("INVITE", "sip:%2B44-900@127.0.0.1", cleanVia),
			status: 404, has: []string{"number +44900 is blocked"}},
		{name: "reject 608", cfg: Config{Reject: 608}, msg: request("INVITE", "sip:0044900123@127.0.0.1", cleanVia),
			status: 608, has: []string{"SIP/2.0 608 Rejected", "Reason: SIP;cause=608;"}},
		{name: "reject 603 caller", cfg: Config{Reject: 603}, msg: request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: 203.0.113.7"),
			status: 603, has: []string{"SIP/2.0 603 Decline"}},
		{name: "to tag kept", msg: strings.Replace(request("INVITE", "sip:100@127.0.0.1", cleanVia), "To: <sip:100@127.0.0.1>", "To: <sip:100@127.0.0.1>;tag=old", 1),
			status: 302, has: []string{"To: <sip:100@127.0.0.1>;tag=old\r\n"}},
		{name: "options", msg: request("OPTIONS", "sip:127.0.0.1:5072", cleanVia), status: 200, has: []string{"Allow: INVITE, ACK, CANCEL, OPTIONS"}},
		{name: "ack", msg: request("ACK", "sip:100@127.0.0.1", cleanVia), status: 0},
		{name: "bye", msg: request("BYE", "sip:100@127.0.0.1", cleanVia), status: 405, has: []string{"SIP/2.0 405 Method Not Allowed", "Allow: INVITE, ACK, CANCEL, OPTIONS"}},
		{name: "cancel", msg: request("CANCEL", "sip:100@127.0.0.1", cleanVia), status: 481},
		{name: "long user", msg: request("INVITE", "sip:"+strings.Repeat("1", 300)+"@127.0.0.1", cleanVia), status: 414},
		{name: "malformed content-length", msg: strings.Replace(request("INVITE", "sip:100@127.0.0.1", cleanVia), "Content-Length: 0", "Content-Length: x", 1), status: 400},
		{name: "malformed start line", msg: strings.Replace(request("INVITE", "sip:100@127.0.0.1", cleanVia), "INVITE sip:100@127.0.0.1 SIP/2.0", "INVITE 100 SIP/2.0", 1), status: 400},
		{name: "bad version", msg: strings.Replace(request("INVITE", "sip:100@127.0.0.1", cleanVia), " SIP/2.0\r\n", " SIP/3.0\r\n", 1), status: 505},
		{name: "malformed without via", msg: "INVITE sip:100@127.0.0.1 SIP/2.0\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n", status: 0},
		{name: "malformed bad ack", msg: strings.Replace(request("ACK", "sip:100@127.0.0.1", cleanVia), "Content-Length: 0", "Content-Length: x", 1), status: 0},
		{name: "response", msg: "SIP/2.0 200 OK\r\nVia: " + cleanVia + "\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n", status: 0},
		{name: "not sip", msg: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", status: 0},
		{name: "junk", msg: "\x00\x01\x02", status: 0},
		{name: "keep-alive", msg: "\r\n\r\n", status: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAgent(t, tt.cfg, set)
			resp := a.handle(newWorker(), tt.msg)
			if tt.status == 0 {
				if resp != nil {
					t.Fatalf("want no response, got:\n%s", resp)
				}
				return
			}
			var m sip.Message
			sip.Parse(string(resp), &m)
			if m.Err != nil || !m.IsResponse || m.StatusCode != tt.status {
				t.Fatalf("want %d, got status %d (err %v):\n%s", tt.status, m.StatusCode, m.Err, resp)
			}
			if !strings.Contains(m.To, ";tag=") {
				t.Errorf("To has no tag: %q", m.To)
			}
			for _, h := range tt.has {
				if !strings.Contains(string(resp), h) {
					t.Errorf("response lacks %q:\n%s", h, resp)
				}
			}
			for _, h := range tt.hasNot {
				if strings.Contains(string(resp), h) {
					t.Errorf("response has %q:\n%s", h, resp)
				}
			}
		})
	}
}

// TestAgentToTagStable: a retransmission gets the same response.
func TestAgentToTagStable(t *testing.T) {
	a := newTestAgent(t, Config{}, newFakeSet())
	msg := request("INVITE", "sip:100@127.0.0.1", cleanVia)
	first := string(a.handle(newWorker(), msg))
	if again := string(a.handle(newWorker(), msg)); again != first {
		t.Fatalf("retransmission answered differently:\n%s\n%s", first, again)
	}
	other := strings.Replace(msg, "call-1@", "call-2@", 1)
	if string(a.handle(newWorker(), other)) == strings.Replace(first, "call-1@", "call-2@", 1) {
		t.Fatal("two calls got the same To tag")
	}
}

func TestAgentStats(t *testing.T) {
	set := newFakeSet("203.0.113.7", "666")
	a := newTestAgent(t, Config{}, set)
	w := newWorker()
	for _, msg := range []string{
		request("INVITE", "sip:100@127.0.0.1", cleanVia),
		request("INVITE", "sip:100@127.0.0.1", cleanVia, "X-SentryPeer-Source: 203.0.113.7"),
		request("INVITE", "sip:666@127.0.0.1", cleanVia),
		request("OPTIONS", "sip:127.0.0.1", cleanVia),
		request("BYE", "sip:100@127.0.0.1", cleanVia),
		request("ACK", "sip:100@127.0.0.1", cleanVia),
		"junk",
		"\r\n\r\n",
	} {
		a.handle(w, msg)
	}
	got := a.Stats()
	want := Stats{Requests: 7, Redirects: 1, RejectedCaller: 1, RejectedNumber: 1, Options: 1, Others: 1, Malformed: 1}
	if got != want {
		t.Fatalf("stats:\n got %+v\nwant %+v", got, want)
	}
}

// TestAgentLooksUpCanonical: the set is asked canonical values only.
func TestAgentLooksUpCanonical(t *testing.T) {
	set := newFakeSet()
	set.keys = []string{}
	a := newTestAgent(t, Config{}, set)
	a.handle(newWorker(), request("INVITE", "sip:+44%20(20)-7946.0000@127.0.0.1", cleanVia, "X-SentryPeer-Source: ::ffff:198.51.100.7"))
	want := []string{"198.51.100.7", "+442079460000"}
	if strings.Join(set.keys, " ") != strings.Join(want, " ") {
		t.Fatalf("looked up %q, want %q", set.keys, want)
	}
}

func TestNewErrors(t *testing.T) {
	set := newFakeSet()
	for _, tt := range []struct {
		cfg  Config
		want error
	}{
		{Config{}, ErrDestination},
		{Config{Destination: testDest, Reject: 486}, ErrReject},
		{Config{Destination: testDest, SourceHeader: "X Bad"}, ErrSourceHeader},
	} {
		if _, err := New(tt.cfg, set); !errors.Is(err, tt.want) {
			t.Errorf("New(%+v) = %v, want %v", tt.cfg, err, tt.want)
		}
	}
	if _, err := New(Config{Destination: testDest}, nil); err == nil {
		t.Error("New without decisions succeeded")
	}
}

func TestParseDestination(t *testing.T) {
	for _, tt := range []struct {
		in, want string // want "" for an error
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1:5062", "127.0.0.1:5062"},
		{" pbx.example.com:5060;transport=TCP ", "pbx.example.com:5060;transport=tcp"},
		{"pbx", "pbx"},
		{"[2001:db8::1]:5060;transport=tls", "[2001:db8::1]:5060;transport=tls"},
		{"[2001:db8::1]", "[2001:db8::1]"},
		{"", ""},
		{"127.0.0.1:0", ""},
		{"127.0.0.1:65536", ""},
		{"127.0.0.1:", ""},
		{"127.0.0.1:+5", ""},
		{"[2001:db8::1", ""},
		{"[127.0.0.1]", ""},
		{"[2001:db8::1]x", ""},
		{"2001:db8::1", ""},
		{"-pbx", ""},
		{"pbx..com", ""},
		{"pbx_1", ""},
		{"sip:pbx", ""},
		{"pbx;transport=carrier-pigeon", ""},
		{"pbx;lr", ""},
		{"pbx;transport=udp;lr", ""},
		{"user@pbx", ""},
		{"pbx>", ""},
	} {
		d, err := ParseDestination(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseDestination(%q) = %q, want an error", tt.in, d)
		case tt.want != "" && err != nil:
			t.Errorf("ParseDestination(%q): %v", tt.in, err)
		case tt.want != "" && d.String() != tt.want:
			t.Errorf("ParseDestination(%q) = %q, want %q", tt.in, d, tt.want)
		case err != nil && !errors.Is(err, ErrDestination):
			t.Errorf("ParseDestination(%q): %v is not ErrDestination", tt.in, err)
		}
	}
}
