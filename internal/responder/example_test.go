package responder_test

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/responder"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

func ExampleResponder_Answer() {
	r := responder.New(responder.Config{
		Secret: []byte("example secret"), // normally left nil: random
		Now:    func() time.Time { return time.Unix(1772366400, 0) },
	})
	req := strings.ReplaceAll(`OPTIONS sip:100@192.0.2.1 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;rport
From: "sipvicious"<sip:100@1.1.1.1>;tag=6331
To: "sipvicious"<sip:100@1.1.1.1>
Call-ID: 123456789
CSeq: 1 OPTIONS
Content-Length: 0

`, "\n", "\r\n")
	var m sip.Message
	sip.Parse(req, &m)
	src := netip.MustParseAddrPort("203.0.113.9:5060")

	// Over TCP there is no byte limit: the full answer.
	for _, resp := range r.Answer(&m, src, event.TCP, len(req), nil) {
		fmt.Print(strings.ReplaceAll(string(resp), "\r\n", "\n"))
	}
	// Over UDP, until the source returns a nonce of ours, the same request
	// gets no more bytes than it had: here, without optional headers, with
	// compact header names, and even without Server.
	out := r.Answer(&m, src, event.UDP, len(req), nil)
	fmt.Print(strings.ReplaceAll(string(out[0]), "\r\n", "\n"))
	fmt.Println(len(req), "bytes in,", len(out[0]), "bytes out")
	// Output:
	// SIP/2.0 200 OK
	// Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;rport=5060;received=203.0.113.9
	// From: "sipvicious"<sip:100@1.1.1.1>;tag=6331
	// To: "sipvicious"<sip:100@1.1.1.1>;tag=cb776fed
	// Call-ID: 123456789
	// CSeq: 1 OPTIONS
	// Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER
	// Accept: application/sdp
	// Supported: replaces, timer
	// Server: FPBX-16.0.40.7(18.20.2)
	// Content-Length: 0
	//
	// SIP/2.0 200 OK
	// v: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-1;rport=5060;received=203.0.113.9
	// f: "sipvicious"<sip:100@1.1.1.1>;tag=6331
	// t: "sipvicious"<sip:100@1.1.1.1>;tag=cb776fed
	// i: 123456789
	// CSeq: 1 OPTIONS
	// l: 0
	//
	// 229 bytes in, 224 bytes out
}
