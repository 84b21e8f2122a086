package responder

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// Requests as sipvicious 0.3.3 sends them (captured on loopback), and a
// toll-fraud style INVITE. Lines end in \n here; crlf converts them.
const (
	svcrackRegister = `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-3800699323;rport
Max-Forwards: 70
To: "100" <sip:100@127.0.0.1>
From: "100" <sip:100@127.0.0.1>;tag=3206210844
User-Agent: friendly-scanner
Call-ID: 4164479702
Contact: sip:123@1.1.1.1
CSeq: 1 REGISTER
Accept: application/sdp
Content-Length: 0

`
	svwarRegister = `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-3494831149;rport
Max-Forwards: 70
To: "100"<sip:100@127.0.0.1>
From: "100"<sip:100@127.0.0.1>;tag=3130300134313836353232353138
User-Agent: friendly-scanner
Call-ID: 3413366399
Contact: sip:100@127.0.0.1
CSeq: 1 REGISTER
Accept: application/sdp
Content-Length: 0

`
	svwarBaseline = `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-3494831149;rport
Max-Forwards: 70
To: "1616853347"<sip:1616853347@127.0.0.1>
From: "1616853347"<sip:1616853347@127.0.0.1>;tag=313631363835333334370134313836353232353138
User-Agent: friendly-scanner
Call-ID: 3413366399
Contact: sip:1616853347@127.0.0.1
CSeq: 1 REGISTER
Accept: application/sdp
Content-Length: 0

`
	svmapOptions = `OPTIONS sip:100@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-2327009475;rport
Max-Forwards: 70
To: "sipvicious"<sip:100@1.1.1.1>
From: "sipvicious"<sip:100@1.1.1.1>;tag=3766303030303031313736660133313237353339313935
User-Agent: friendly-scanner
Call-ID: 237757794895095845756088
Contact: sip:100@127.0.0.1:5060
CSeq: 1 OPTIONS
Accept: application/sdp
Content-Length: 0

`
	svwarInvite = `INVITE sip:4222658810@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1099903800;rport
Max-Forwards: 70
To: "4222658810"<sip:4222658810@127.0.0.1>
From: "4222658810"<sip:4222658810@127.0.0.1>;tag=343232323635383831300133313938303739343035
User-Agent: friendly-scanner
Call-ID: 407572597
Contact: sip:4222658810@127.0.0.1
CSeq: 1 INVITE
Accept: application/sdp
Content-Length: 0

`
	fraudInvite = `INVITE sip:900441234567890@203.0.113.5 SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5071;branch=z9hG4bK1f2e3d
Max-Forwards: 70
From: "1000" <sip:1000@203.0.113.5>;tag=a73kszlfl
To: <sip:900441234567890@203.0.113.5>
Call-ID: 8d7a6c5b4e3f2a1@198.51.100.7
CSeq: 1 INVITE
Contact: <sip:1000@198.51.100.7:5071>
User-Agent: sipcli/v1.8
Content-Type: application/sdp
Content-Length: 392

v=0
o=- 3760617462 3760617462 IN IP4 198.51.100.7
s=SIP Call
c=IN IP4 198.51.100.7
t=0 0
m=audio 10000 RTP/AVP 0 8 18 3 4 97 98 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:3 GSM/8000
a=rtpmap:4 G723/8000
a=rtpmap:97 iLBC/8000
a=rtpmap:98 speex/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
`
)

var (
	testSrc  = netip.MustParseAddrPort("198.51.100.7:40123")
	testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// crlf turns the \n line ends of a test request into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// parse reads a test request (with \n line ends) with the honeypot's reader.
func parse(t testing.TB, raw string) *sip.Message {
	t.Helper()
	var m sip.Message
	sip.Parse(crlf(raw), &m)
	if m.Err != nil {
		t.Fatalf("test request does not parse: %v", m.Err)
	}
	return &m
}

// newTest returns a Responder with a fixed secret and clock.
func newTest(cfg Config) *Responder {
	if cfg.Secret == nil {
		cfg.Secret = []byte("test secret")
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testTime }
	}
	return New(cfg)
}

// headerValues returns the values of the header lines of resp named long
// or short, in order.
func headerValues(resp []byte, long, short string) []string {
	head, _, _ := strings.Cut(string(resp), "\r\n\r\n")
	var out []string
	for _, line := range strings.Split(head, "\r\n")[1:] {
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(name, long) || strings.EqualFold(name, short) {
			out = append(out, strings.TrimSpace(value))
		}
	}
	return out
}

// splitVias splits Via values at top-level commas.
func splitVias(vias []string) []string {
	var out []string
	for _, v := range vias {
		for {
			before, after, found := sip.CutUnquoted(v, ',')
			out = append(out, strings.TrimSpace(before))
			if !found {
				break
			}
			v = after
		}
	}
	return out
}

// checkResponse checks that resp is a SIP response sipgo accepts, answering
// req from src: CRLF line ends, Vias echoed one per line with received (and
// rport when asked for) on the top one, From, Call-ID and CSeq echoed, To echoed with a
// tag (except on 100), no body. It returns the parsed response.
func checkResponse(t *testing.T, req *sip.Message, src netip.AddrPort, resp []byte) *sipgo.Response {
	t.Helper()
	s := string(resp)
	if strings.Count(s, "\n") != strings.Count(s, "\r\n") || !strings.HasSuffix(s, "\r\n\r\n") {
		t.Fatalf("line ends are not CRLF or no blank line at the end:\n%q", s)
	}
	msg, err := sipgo.NewParser().ParseSIP(resp)
	if err != nil {
		t.Fatalf("sipgo rejects the response: %v\n%s", err, s)
	}
	res, ok := msg.(*sipgo.Response)
	if !ok {
		t.Fatalf("sipgo parsed %T, want a response:\n%s", msg, s)
	}

	wantVias := splitVias(req.Vias)
	gotVias := res.GetHeaders("via")
	if len(gotVias) != len(wantVias) {
		t.Fatalf("%d Vias, want %d:\n%s", len(gotVias), len(wantVias), s)
	}
	top := res.Via()
	if got, _ := top.Params.Get("received"); got != src.Addr().Unmap().WithZone("").String() {
		t.Errorf("top Via received = %q, want %q", got, src.Addr().Unmap().WithZone(""))
	}
	if bareRport(wantVias[0]) {
		if got, _ := top.Params.Get("rport"); got != strconv.Itoa(int(src.Port())) {
			t.Errorf("top Via rport = %q, want %d", got, src.Port())
		}
	}
	lines := headerValues(resp, "Via", "v")
	if got, want := strings.Join(lines[1:], "\n"), strings.Join(wantVias[1:], "\n"); got != want {
		t.Errorf("Via lines after the first = %q, want %q", got, want)
	}

	if got := headerValues(resp, "From", "f"); len(got) != 1 || got[0] != strings.TrimSpace(req.From) {
		t.Errorf("From = %q, want %q", got, req.From)
	}
	to := headerValues(resp, "To", "t")
	if len(to) != 1 || !strings.HasPrefix(to[0], strings.TrimSpace(req.To)) {
		t.Fatalf("To = %q, want %q with maybe a tag", to, req.To)
	}
	if hasTag(req.To) && to[0] != strings.TrimSpace(req.To) {
		t.Errorf("To = %q, want %q unchanged (it has a tag)", to[0], req.To)
	}
	// A tag we add must be seen by sipgo (one the request had is echoed
	// as sent, checked above, and may have spaces sipgo does not trim).
	if tag, _ := res.To().Params.Get("tag"); tag == "" && res.StatusCode != 100 && !hasTag(req.To) {
		t.Errorf("To %q has no tag in a %d", to[0], res.StatusCode)
	}
	if got := res.CallID().Value(); got != strings.TrimSpace(req.CallID) {
		t.Errorf("Call-ID = %q, want %q", got, req.CallID)
	}
	if got, want := headerValues(resp, "CSeq", "CSeq"), strings.TrimSpace(req.CSeq); len(got) != 1 || got[0] != want {
		t.Errorf("CSeq = %q, want %q", got, want)
	}
	if cl := res.ContentLength(); cl == nil || *cl != 0 || len(res.Body()) != 0 {
		t.Errorf("Content-Length = %v, body %q; want 0 and none", cl, res.Body())
	}
	return res
}

func bareRport(via string) bool {
	_, params, _ := sip.CutUnquoted(via, ';')
	for _, p := range strings.Split(params, ";") {
		if strings.EqualFold(strings.TrimSpace(p), "rport") {
			return true
		}
	}
	return false
}

// statusCodes returns the status codes of resps.
func statusCodes(resps [][]byte) []int {
	var out []int
	for _, b := range resps {
		code, _ := strconv.Atoi(string(b[len("SIP/2.0 ") : len("SIP/2.0 ")+3]))
		out = append(out, code)
	}
	return out
}

func totalLen(resps [][]byte) int {
	n := 0
	for _, b := range resps {
		n += len(b)
	}
	return n
}
