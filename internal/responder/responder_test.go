package responder

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// request builds a small request for the rules table.
func request(method, ruri, to string, extra ...string) string {
	s := method + " " + ruri + " SIP/2.0\n" +
		"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK776asdhds;rport\n" +
		"From: <sip:alice@198.51.100.7>;tag=1928301774\n" +
		"To: " + to + "\n" +
		"Call-ID: a84b4c76e66710@198.51.100.7\n" +
		"CSeq: 314159 " + method + "\n"
	for _, e := range extra {
		s += e + "\n"
	}
	return s + "Content-Length: 0\n\n"
}

func TestAnswerRules(t *testing.T) {
	challenge := regexp.MustCompile(`^Digest realm="asterisk", nonce="[A-Za-z0-9_-]{22}", algorithm=MD5, qop="auth"$`)
	type want struct {
		codes   []int
		headers map[string]string // exact values in the last response
		absent  []string          // headers the last response must not have
	}
	tests := []struct {
		name string
		raw  string
		want want
	}{
		{"OPTIONS from svmap", svmapOptions, want{
			codes: []int{200},
			headers: map[string]string{
				"Allow": allowed, "Accept": "application/sdp",
				"Supported": "replaces, timer", "Server": DefaultServer,
			},
		}},
		{"REGISTER for an extension is challenged", svcrackRegister, want{
			codes: []int{401}, headers: map[string]string{"Server": DefaultServer},
		}},
		{"REGISTER for svwar's baseline is not found", svwarBaseline, want{
			codes: []int{404}, absent: []string{"WWW-Authenticate", "Allow"},
		}},
		{"REGISTER for a letter extension", request("REGISTER", "sip:203.0.113.5", "<sip:admin@203.0.113.5>"), want{codes: []int{401}}},
		{"REGISTER without a user", request("REGISTER", "sip:203.0.113.5", "<sip:203.0.113.5>"), want{codes: []int{404}}},
		{"REGISTER for a 7-character user", request("REGISTER", "sip:203.0.113.5", "sip:1000000@203.0.113.5"), want{codes: []int{404}}},
		{"INVITE to an extension", request("INVITE", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>"), want{codes: []int{100, 480}}},
		{"INVITE to a toll number", fraudInvite, want{codes: []int{100, 486}}},
		{"INVITE from svwar for its baseline", svwarInvite, want{codes: []int{100, 486}}},
		{"INVITE to a tel URI extension", request("INVITE", "tel:200", "<tel:200>"), want{codes: []int{100, 480}}},
		{"INVITE in a dialog keeps the To tag", request("INVITE", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>;tag=xyz"), want{
			codes: []int{100, 480}, headers: map[string]string{"To": "<sip:100@203.0.113.5>;tag=xyz"},
		}},
		{"ACK is not answered", request("ACK", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>;tag=xyz"), want{}},
		{"a response is not answered", "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n", want{}},
		{"a 401 is not answered", "SIP/2.0 401 Unauthorized\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 REGISTER\nContent-Length: 0\n\n", want{}},
		{"CANCEL", request("CANCEL", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>"), want{codes: []int{481}}},
		{"BYE", request("BYE", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>;tag=abc"), want{codes: []int{481}}},
		{"SUBSCRIBE", request("SUBSCRIBE", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>", "Event: presence"), want{
			codes: []int{405}, headers: map[string]string{"Allow": allowed},
		}},
		{"MESSAGE", request("MESSAGE", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>"), want{codes: []int{405}}},
		{"PRACK", request("PRACK", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>;tag=abc"), want{codes: []int{405}}},
		{"unknown method", request("FOO", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>"), want{
			codes: []int{501}, headers: map[string]string{"Allow": allowed},
		}},
		{"methods are case-sensitive", request("options", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>"), want{codes: []int{501}}},
		{"several Via headers and a Via list", "OPTIONS sip:100@203.0.113.5 SIP/2.0\n" +
			"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKb\n" +
			"Via: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKc;received=10.9.9.9\n" +
			"From: <sip:a@b>;tag=1\nTo: <sip:100@203.0.113.5>\nCall-ID: several\nCSeq: 2 OPTIONS\nContent-Length: 0\n\n",
			want{codes: []int{200}}},
		{"compact headers", "OPTIONS sip:100@203.0.113.5 SIP/2.0\nv: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\nf: <sip:a@b>;tag=1\nt: <sip:100@c>\ni: compact\nCSeq: 1 OPTIONS\nl: 0\n\n",
			want{codes: []int{200}}},
		{"a malformed request with every needed header gets 400", request("OPTIONS", "sip:100@203.0.113.5", "<sip:100@203.0.113.5>", "Content-Length: zero"), want{
			codes: []int{400}, absent: []string{"Allow"},
		}},
		{"a malformed request without Call-ID gets nothing", "OPTIONS sip:100@h SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\nFrom: <sip:a@b>;tag=1\nTo: <sip:100@c>\nCSeq: 1 OPTIONS\nbroken header line\n\n", want{}},
		{"a request without Via gets nothing", "OPTIONS sip:100@h SIP/2.0\nFrom: <sip:a@b>;tag=1\nTo: <sip:100@c>\nCall-ID: x\nCSeq: 1 OPTIONS\n\n", want{}},
		{"a request with a broken Via gets nothing", "OPTIONS sip:100@h SIP/2.0\nVia: garbage\nFrom: <sip:a@b>;tag=1\nTo: <sip:100@c>\nCall-ID: x\nCSeq: 1 OPTIONS\n\n", want{}},
		{"a request with a broken CSeq gets nothing", "OPTIONS sip:100@h SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\nFrom: <sip:a@b>;tag=1\nTo: <sip:100@c>\nCall-ID: x\nCSeq: OPTIONS\n\n", want{}},
		{"a request with a From without URI gets nothing", "OPTIONS sip:100@h SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\nFrom: alice\nTo: <sip:100@c>\nCall-ID: x\nCSeq: 1 OPTIONS\n\n", want{}},
		{"not SIP at all gets nothing", "GET / HTTP/1.1\nHost: x\n\n", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTest(Config{})
			var m sip.Message
			sip.Parse(crlf(tt.raw), &m)
			got := r.Answer(&m, testSrc, event.TCP, len(tt.raw), nil)
			if codes := statusCodes(got); !slices.Equal(codes, tt.want.codes) {
				t.Fatalf("status codes %v, want %v", codes, tt.want.codes)
			}
			for _, b := range got {
				checkResponse(t, &m, testSrc, b)
			}
			if len(got) == 0 {
				return
			}
			last := got[len(got)-1]
			for name, want := range tt.want.headers {
				if v := headerValues(last, name, name); len(v) != 1 || v[0] != want {
					t.Errorf("%s = %q, want %q", name, v, want)
				}
			}
			for _, name := range tt.want.absent {
				if v := headerValues(last, name, name); len(v) != 0 {
					t.Errorf("%s = %q, want none", name, v)
				}
			}
			wa := headerValues(last, "WWW-Authenticate", "WWW-Authenticate")
			if is401 := tt.want.codes[len(tt.want.codes)-1] == 401; is401 != (len(wa) == 1) || is401 && !challenge.MatchString(wa[0]) {
				t.Errorf("WWW-Authenticate = %q in a %d", wa, tt.want.codes[len(tt.want.codes)-1])
			}
			if len(got) == 2 && len(headerValues(got[0], "To", "t")[0]) != len(strings.TrimSpace(m.To)) {
				t.Errorf("100 Trying got a To tag: %q", headerValues(got[0], "To", "t"))
			}
		})
	}
}

func TestAnswerVersionNotSupported(t *testing.T) {
	raw := strings.Replace(request("OPTIONS", "sip:100@h", "<sip:100@h>"), " SIP/2.0\n", " SIP/3.0\n", 1)
	var m sip.Message
	sip.Parse(crlf(raw), &m)
	got := newTest(Config{}).Answer(&m, testSrc, event.TCP, len(raw), nil)
	if codes := statusCodes(got); !slices.Equal(codes, []int{505}) {
		t.Fatalf("status codes %v, want [505] (m.Err = %v)", codes, m.Err)
	}
	checkResponse(t, &m, testSrc, got[0])
}

// Messages the reader cannot produce from a datagram, built by hand.
func TestAnswerHandBuilt(t *testing.T) {
	base := func() sip.Message {
		return sip.Message{
			Method: "OPTIONS", RequestURI: "sip:100@h", Version: "SIP/2.0",
			Vias: []string{"SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa"},
			From: "<sip:a@b>;tag=1", To: "<sip:100@h>", CallID: "x", CSeq: "1 OPTIONS", CSeqMethod: "OPTIONS",
			ContentLength: 0,
		}
	}
	tests := []struct {
		name   string
		edit   func(*sip.Message)
		src    netip.AddrPort
		answer bool
	}{
		{"as is", func(*sip.Message) {}, testSrc, true},
		{"no source address", func(*sip.Message) {}, netip.AddrPort{}, false},
		{"From with a line break", func(m *sip.Message) { m.From = "<sip:a@b>;tag=1\r\nX-Injected: 1" }, testSrc, false},
		{"Call-ID with a line break", func(m *sip.Message) { m.CallID = "x\nX-Injected: 1" }, testSrc, false},
		{"Via with a line break", func(m *sip.Message) { m.Vias[0] += "\r\nX-Injected: 1" }, testSrc, false},
		{"CSeq with a line break", func(m *sip.Message) { m.CSeq = "1 OPTIONS\r" }, testSrc, false},
		{"CSeq over 2^31-1", func(m *sip.Message) { m.CSeq = "2147483648 OPTIONS" }, testSrc, false},
		{"empty Via", func(m *sip.Message) { m.Vias = []string{" "} }, testSrc, false},
		{"To with an open angle bracket", func(m *sip.Message) { m.To = "<sip:100@h" }, testSrc, false},
		{"ACK in CSeq", func(m *sip.Message) { m.CSeq, m.CSeqMethod = "1 ACK", "ACK" }, testSrc, false},
		{"no method", func(m *sip.Message) { m.Method = "" }, testSrc, false},
		{"response flag", func(m *sip.Message) { m.IsResponse = true }, testSrc, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(&m)
			r := newTest(Config{})
			got := r.Answer(&m, tt.src, event.TCP, 1000, nil)
			if (len(got) > 0) != tt.answer {
				t.Fatalf("got %d responses, want answer=%v:\n%s", len(got), tt.answer, got)
			}
			for _, b := range got {
				checkResponse(t, &m, tt.src, b)
			}
			if !tt.answer && !m.IsResponse && m.CSeqMethod != "ACK" && r.Stats().Unanswerable != 1 {
				t.Errorf("Stats().Unanswerable = %d, want 1", r.Stats().Unanswerable)
			}
		})
	}
	t.Run("nil message", func(t *testing.T) {
		if got := newTest(Config{}).Answer(nil, testSrc, event.UDP, 100, nil); len(got) != 0 {
			t.Errorf("got %d responses", len(got))
		}
	})
}

func TestAnswerTopVia(t *testing.T) {
	tests := []struct {
		name, via string
		src       netip.AddrPort
		want      string
	}{
		{"bare rport gets the port", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport", testSrc,
			"SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;rport=40123;received=198.51.100.7"},
		{"no rport, no rport added", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa", testSrc,
			"SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;received=198.51.100.7"},
		{"rport with a value is kept", "SIP/2.0/UDP 10.0.0.1;rport=1234;branch=z9hG4bKa", testSrc,
			"SIP/2.0/UDP 10.0.0.1;rport=1234;branch=z9hG4bKa;received=198.51.100.7"},
		{"a received from the sender is replaced", "SIP/2.0/UDP 10.0.0.1;received=6.6.6.6;branch=z9hG4bKa;RPORT", testSrc,
			"SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa;rport=40123;received=198.51.100.7"},
		{"spaces around separators", "SIP / 2.0 / UDP  10.0.0.1 ; branch=z9hG4bKa ; rport ", testSrc,
			"SIP / 2.0 / UDP  10.0.0.1;branch=z9hG4bKa;rport=40123;received=198.51.100.7"},
		{"a Via list is split into lines", "SIP/2.0/UDP a;branch=z9hG4bK1;rport , SIP/2.0/UDP b, SIP/2.0/UDP c;branch=z9hG4bK2", testSrc,
			"SIP/2.0/UDP a;branch=z9hG4bK1;rport=40123;received=198.51.100.7\nSIP/2.0/UDP b\nSIP/2.0/UDP c;branch=z9hG4bK2"},
		{"a quoted parameter with ;", `SIP/2.0/UDP a;x="1;2";branch=z9hG4bK1`, testSrc,
			`SIP/2.0/UDP a;x="1;2";branch=z9hG4bK1;received=198.51.100.7`},
		{"IPv6 received has no brackets (RFC 3261 grammar)", "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;rport",
			netip.MustParseAddrPort("[2001:db8::9%eth0]:5062"),
			"SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;rport=5062;received=2001:db8::9"},
		{"an IPv4-mapped source is written as IPv4", "SIP/2.0/UDP h;branch=z9hG4bKa", netip.MustParseAddrPort("[::ffff:192.0.2.1]:5060"),
			"SIP/2.0/UDP h;branch=z9hG4bKa;received=192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sip.Message{
				Method: "OPTIONS", RequestURI: "sip:h", Vias: []string{tt.via},
				From: "<sip:a@b>;tag=1", To: "<sip:h>", CallID: "x", CSeq: "1 OPTIONS", CSeqMethod: "OPTIONS",
			}
			got := newTest(Config{}).Answer(&m, tt.src, event.TCP, 0, nil)
			if len(got) != 1 {
				t.Fatalf("got %d responses, want 1", len(got))
			}
			if v := strings.Join(headerValues(got[0], "Via", "v"), "\n"); v != tt.want {
				t.Errorf("Via = %q\nwant  %q", v, tt.want)
			}
			checkResponse(t, &m, tt.src, got[0])
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name             string
		cfg              Config
		valid            bool
		server, realmHas string
	}{
		{"defaults", Config{}, true, DefaultServer, `realm="asterisk"`},
		{"custom", Config{Server: "Asterisk PBX 20.5.0", Realm: "pbx.example.com"}, true, "Asterisk PBX 20.5.0", `realm="pbx.example.com"`},
		{"server with a line break falls back", Config{Server: "x\r\nX-Injected: 1"}, false, DefaultServer, `realm="asterisk"`},
		{"realm with a quote falls back", Config{Realm: `a"b`}, false, DefaultServer, `realm="asterisk"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err == nil) != tt.valid {
				t.Errorf("Validate() = %v, want valid=%v", err, tt.valid)
			}
			m := parse(t, svcrackRegister)
			got := newTest(tt.cfg).Answer(m, testSrc, event.TCP, 0, nil)
			if len(got) != 1 {
				t.Fatalf("got %d responses", len(got))
			}
			if v := headerValues(got[0], "Server", "Server"); len(v) != 1 || v[0] != tt.server {
				t.Errorf("Server = %q, want %q", v, tt.server)
			}
			if v := headerValues(got[0], "WWW-Authenticate", ""); len(v) != 1 || !strings.Contains(v[0], tt.realmHas) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %s", v, tt.realmHas)
			}
			checkResponse(t, m, testSrc, got[0])
		})
	}
	t.Run("custom extension rule", func(t *testing.T) {
		r := newTest(Config{Extension: func(user string) bool { return user == "1616853347" }})
		for raw, want := range map[string]int{svwarBaseline: 401, svcrackRegister: 404} {
			if got := statusCodes(r.Answer(parse(t, raw), testSrc, event.TCP, 0, nil)); !slices.Equal(got, []int{want}) {
				t.Errorf("got %v, want [%d]", got, want)
			}
		}
	})
}

func TestIsExtension(t *testing.T) {
	tests := map[string]bool{
		"": false, "1": false, "10": true, "100": true, "999999": true, "1000000": false,
		"16168533": false, "admin": true, "Test1": true, "+100": false, "10 0": false, "ab-c": false, "é1": false,
	}
	for user, want := range tests {
		t.Run(user, func(t *testing.T) {
			if got := IsExtension(user); got != want {
				t.Errorf("IsExtension(%q) = %v, want %v", user, got, want)
			}
		})
	}
}
