package main

import (
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// probe is what one generated message says, before it is written out.
type probe struct {
	method    string
	style     style
	ua        string
	transport event.Transport
	src, dst  netip.AddrPort
	number    string // user part of the Request-URI (REGISTER: of To), raw
	caller    string // From user of INVITEs
	cseq      int
	callID    string
	tag       string
	branch    string
}

// msgBuilder writes SIP messages into a reused buffer. It is not safe for
// concurrent use.
type msgBuilder struct {
	b []byte
}

func (w *msgBuilder) s(parts ...string) {
	for _, p := range parts {
		w.b = append(w.b, p...)
	}
}

// hostPort appends ap as a URI host:port, with brackets for IPv6.
func (w *msgBuilder) hostPort(ap netip.AddrPort) {
	w.host(ap.Addr())
	w.b = append(w.b, ':')
	w.b = strconv.AppendUint(w.b, uint64(ap.Port()), 10)
}

func (w *msgBuilder) host(a netip.Addr) {
	if a.Is6() {
		w.b = append(w.b, '[')
		w.b = a.AppendTo(w.b)
		w.b = append(w.b, ']')
		return
	}
	w.b = a.AppendTo(w.b)
}

// build returns the message for p: ~350–700 bytes, with the header order
// and wording of the scanner family p.style.
func (w *msgBuilder) build(p *probe, r *rand.Rand) string {
	w.b = w.b[:0]
	if p.method == junk {
		w.s("GET / HTTP/1.1\r\nHost: ")
		w.hostPort(p.dst)
		w.s("\r\nUser-Agent: Mozilla/5.0 zgrab/0.x\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
		return string(w.b)
	}
	dst := p.dst.Addr().String()
	user := p.number
	if p.method == "REGISTER" {
		user = "" // REGISTER names the domain; the extension is in To
	}
	// Request line.
	w.s(p.method, " sip:")
	if user != "" {
		w.s(user, "@")
	}
	w.s(dst, " SIP/2.0\r\n")

	via := func() {
		w.s("Via: SIP/2.0/", p.transport.String(), " ")
		w.hostPort(p.src)
		w.s(";branch=", p.branch, ";rport\r\n")
	}
	body := w.body(p)
	switch p.style {
	case styleSipvicious:
		// svmap/svwar's own order (it fills a dict).
		via()
		w.s("Content-Length: ", strconv.Itoa(len(body)), "\r\n")
		fromUser := "sipvicious"
		uri := "sip:100@1.1.1.1"
		if p.method == "REGISTER" || p.method == "INVITE" {
			fromUser, uri = p.number, "sip:"+p.number+"@"+dst
		}
		w.s(`From: "`, fromUser, `"<`, uri, ">;tag=", p.tag, "\r\n")
		w.s("Accept: application/sdp\r\nUser-Agent: ", p.ua, "\r\n")
		w.s(`To: "`, fromUser, `"<`, uri, ">\r\n")
		w.s("Contact: sip:", user100(p), "@")
		w.hostPort(p.src)
		w.s("\r\nCSeq: ", strconv.Itoa(p.cseq), " ", p.method, "\r\nCall-ID: ", p.callID, "\r\nMax-Forwards: 70\r\n")
		if body != "" {
			w.s("Content-Type: application/sdp\r\n")
		}
		w.s("\r\n", body)
		return string(w.b)
	case styleSipcli:
		via()
		w.s("From: ")
		w.from(p, dst)
		w.s("To: ")
		w.to(p, dst)
		w.s("Call-ID: ", p.callID, "\r\nCSeq: ", strconv.Itoa(p.cseq), " ", p.method, "\r\nContact: <sip:", fromUser(p), "@")
		w.hostPort(p.src)
		w.s(">\r\nMax-Forwards: 70\r\nUser-Agent: ", p.ua, "\r\n")
	default:
		via()
		w.s("Max-Forwards: 70\r\nFrom: ")
		w.from(p, dst)
		w.s("To: ")
		w.to(p, dst)
		w.s("Contact: <sip:", fromUser(p), "@")
		w.hostPort(p.src)
		w.s(";transport=", lower(p.transport), ">\r\nCall-ID: ", p.callID, "\r\nCSeq: ", strconv.Itoa(p.cseq), " ", p.method, "\r\n")
		w.s("User-Agent: ", p.ua, "\r\n")
		w.s("Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, NOTIFY, INFO\r\nSupported: replaces\r\n")
	}
	switch p.method {
	case "OPTIONS":
		w.s("Accept: application/sdp\r\n")
	case "REGISTER":
		w.s("Expires: 3600\r\n")
		if r.Float64() < 0.35 {
			// svcrack-style guessing: a digest answer to a nonce it never got.
			w.s(`Authorization: Digest username="`, p.number, `", realm="asterisk", nonce="`)
			w.b = strconv.AppendUint(w.b, r.Uint64(), 16)
			w.s(`", uri="sip:`, dst, `", response="`)
			w.b = strconv.AppendUint(w.b, r.Uint64(), 16)
			w.b = strconv.AppendUint(w.b, r.Uint64(), 16)
			w.s("\", algorithm=MD5\r\n")
		}
	case "SUBSCRIBE", "NOTIFY", "PUBLISH":
		w.s("Event: presence\r\nExpires: 600\r\n")
	}
	if body != "" {
		ct := "application/sdp"
		if p.method == "MESSAGE" {
			ct = "text/plain"
		}
		w.s("Content-Type: ", ct, "\r\n")
	}
	w.s("Content-Length: ", strconv.Itoa(len(body)), "\r\n\r\n", body)
	return string(w.b)
}

// body returns p's message body: an SDP offer for INVITE, a line of text
// for MESSAGE, else nothing.
func (w *msgBuilder) body(p *probe) string {
	switch p.method {
	case "INVITE":
		ip, ver := p.src.Addr().String(), "IP4"
		if p.src.Addr().Is6() {
			ver = "IP6"
		}
		port := strconv.Itoa(10000 + int(p.src.Port())%50000&^1)
		return "v=0\r\no=- 3847 3847 IN " + ver + " " + ip + "\r\ns=call\r\nc=IN " + ver + " " + ip +
			"\r\nt=0 0\r\nm=audio " + port + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n" +
			"a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
	case "MESSAGE":
		return "hello"
	}
	return ""
}

func (w *msgBuilder) from(p *probe, dst string) {
	u := fromUser(p)
	w.s(`"`, u, `" <sip:`, u, "@", dst, ">;tag=", p.tag, "\r\n")
}

func (w *msgBuilder) to(p *probe, dst string) {
	if p.number == "" {
		w.s("<sip:", dst, ">\r\n")
		return
	}
	w.s("<sip:", p.number, "@", dst, ">\r\n")
}

// fromUser is who a probe claims to be: the caller of an INVITE, the
// extension a REGISTER tries, else a common extension.
func fromUser(p *probe) string {
	switch {
	case p.method == "INVITE" && p.caller != "":
		return p.caller
	case p.method == "REGISTER":
		return p.number
	}
	return "100"
}

func user100(p *probe) string {
	if p.method == "REGISTER" {
		return "123"
	}
	return "100"
}

func lower(t event.Transport) string {
	switch t {
	case event.TCP:
		return "tcp"
	case event.TLS:
		return "tls"
	}
	return "udp"
}
