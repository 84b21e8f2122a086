package sip

import (
	"strconv"
	"testing"
)

// Shapes of real scanner traffic (addresses from documentation ranges).
var (
	// sipvicious svmap, as sent by version 0.3.
	sipviciousOptions = crlf(
		"OPTIONS sip:100@1.1.1.1 SIP/2.0",
		"Via: SIP/2.0/UDP 198.51.100.7:5061;branch=z9hG4bK-2451946155;rport",
		"Content-Length: 0",
		`From: "sipvicious"<sip:100@1.1.1.1>;tag=6434396633623535313363340131363334323033313532`,
		"Accept: application/sdp",
		"User-Agent: friendly-scanner",
		`To: "sipvicious"<sip:100@1.1.1.1>`,
		"Contact: sip:100@198.51.100.7:5061",
		"CSeq: 1 OPTIONS",
		"Call-ID: 600920367286418613098587",
		"Max-Forwards: 70",
		"", "")

	inviteSDP = crlf(
		"v=0",
		"o=Z 0 0 IN IP4 198.51.100.7",
		"s=Z",
		"c=IN IP4 198.51.100.7",
		"t=0 0",
		"m=audio 8000 RTP/AVP 0 8 101",
		"a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=sendrecv", "")

	// A toll-fraud INVITE trying an international number behind "00".
	tollFraudInvite = crlf(
		"INVITE sip:0046812345678@203.0.113.5 SIP/2.0",
		"Via: SIP/2.0/UDP 198.51.100.7:5071;branch=z9hG4bK-524287-1---5e4c7a7c4b5d2e2f;rport",
		"Max-Forwards: 70",
		"Contact: <sip:100@198.51.100.7:5071>",
		"To: <sip:0046812345678@203.0.113.5>",
		"From: <sip:100@203.0.113.5>;tag=3b1e5b0e",
		"Call-ID: ZDM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTA.",
		"CSeq: 1 INVITE",
		"Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE",
		"Content-Type: application/sdp",
		"User-Agent: sipcli/v1.8",
		"Proxy-Authorization: Digest username=\"100\", realm=\"asterisk\", nonce=\"1a2b\", uri=\"sip:0046812345678@203.0.113.5\", response=\"0f0e\"",
		"Content-Length: "+strconv.Itoa(len(inviteSDP)),
		"", inviteSDP)
)

func TestParseAttackTraffic(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{
			name: "sipvicious OPTIONS",
			in:   sipviciousOptions,
			want: Message{
				Method: "OPTIONS", RequestURI: "sip:100@1.1.1.1", Version: "SIP/2.0",
				From:   `"sipvicious"<sip:100@1.1.1.1>;tag=6434396633623535313363340131363334323033313532`,
				To:     `"sipvicious"<sip:100@1.1.1.1>`,
				CallID: "600920367286418613098587",
				CSeq:   "1 OPTIONS", CSeqMethod: "OPTIONS",
				UserAgent:     "friendly-scanner",
				Contact:       "sip:100@198.51.100.7:5061",
				Vias:          []string{"SIP/2.0/UDP 198.51.100.7:5061;branch=z9hG4bK-2451946155;rport"},
				ContentLength: 0, CalledNumber: "100",
			},
		},
		{
			name: "toll-fraud INVITE with SDP",
			in:   tollFraudInvite,
			want: Message{
				Method: "INVITE", RequestURI: "sip:0046812345678@203.0.113.5", Version: "SIP/2.0",
				From:   "<sip:100@203.0.113.5>;tag=3b1e5b0e",
				To:     "<sip:0046812345678@203.0.113.5>",
				CallID: "ZDM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTA.",
				CSeq:   "1 INVITE", CSeqMethod: "INVITE",
				UserAgent:     "sipcli/v1.8",
				Contact:       "<sip:100@198.51.100.7:5071>",
				Vias:          []string{"SIP/2.0/UDP 198.51.100.7:5071;branch=z9hG4bK-524287-1---5e4c7a7c4b5d2e2f;rport"},
				Authorization: `Digest username="100", realm="asterisk", nonce="1a2b", uri="sip:0046812345678@203.0.113.5", response="0f0e"`,
				ContentLength: len(inviteSDP), Body: inviteSDP, CalledNumber: "0046812345678",
			},
		},
		{
			name: "INVITE to a tel URI",
			in: crlf("INVITE tel:+44-20-7946-0958;phone-context=+44 SIP/2.0",
				"To: <tel:+44-20-7946-0958>", "From: <sip:anonymous@anonymous.invalid>;tag=1",
				"Call-ID: t1", "CSeq: 2 INVITE", "Content-Length: 0", "", ""),
			want: Message{
				Method: "INVITE", RequestURI: "tel:+44-20-7946-0958;phone-context=+44", Version: "SIP/2.0",
				To: "<tel:+44-20-7946-0958>", From: "<sip:anonymous@anonymous.invalid>;tag=1",
				CallID: "t1", CSeq: "2 INVITE", CSeqMethod: "INVITE", ContentLength: 0,
				CalledNumber: "+44-20-7946-0958",
			},
		},
		{
			name: "svwar REGISTER walks extensions in To",
			in: crlf("REGISTER sip:203.0.113.5 SIP/2.0",
				"Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-1;rport",
				`From: "1234"<sip:1234@203.0.113.5>;tag=1`, `To: "1234"<sip:1234@203.0.113.5>`,
				"User-Agent: friendly-scanner", "Call-ID: 42", "CSeq: 1 REGISTER", "Content-Length: 0", "", ""),
			want: Message{
				Method: "REGISTER", RequestURI: "sip:203.0.113.5", Version: "SIP/2.0",
				From: `"1234"<sip:1234@203.0.113.5>;tag=1`, To: `"1234"<sip:1234@203.0.113.5>`,
				UserAgent: "friendly-scanner", CallID: "42", CSeq: "1 REGISTER", CSeqMethod: "REGISTER",
				Vias: []string{"SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-1;rport"}, ContentLength: 0,
				CalledNumber: "1234",
			},
		},
		{
			name: "response line reflected at us",
			in: crlf("SIP/2.0 401 Unauthorized", "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-9",
				"From: <sip:100@203.0.113.5>;tag=a", "To: <sip:100@203.0.113.5>;tag=b", "Call-ID: r1",
				"CSeq: 1 REGISTER", `WWW-Authenticate: Digest realm="x", nonce="y"`, "Content-Length: 0", "", ""),
			want: Message{
				IsResponse: true, StatusCode: 401, Reason: "Unauthorized", Version: "SIP/2.0",
				Vias: []string{"SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-9"},
				From: "<sip:100@203.0.113.5>;tag=a", To: "<sip:100@203.0.113.5>;tag=b", CallID: "r1",
				CSeq: "1 REGISTER", CSeqMethod: "REGISTER", ContentLength: 0, CalledNumber: "100",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			checkMessage(t, &m, &tt.want)
		})
	}
}
