package sip_test

import (
	"fmt"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

func ExampleParse() {
	msg := "OPTIONS sip:100@1.1.1.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 198.51.100.7:5061;branch=z9hG4bK-1;rport\r\n" +
		"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=1\r\n" +
		"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n" +
		"User-Agent: friendly-scanner\r\n" +
		"Call-ID: 600920367286418613098587\r\n" +
		"CSeq: 1 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"

	var m sip.Message // reuse one Message per goroutine
	sip.Parse(msg, &m)
	fmt.Println(m.Method, m.CalledNumber, m.UserAgent, m.Err)

	sip.Parse("GET / HTTP/1.1\r\n\r\n", &m)
	fmt.Println(m.Method, m.Err)
	// Output:
	// OPTIONS 100 friendly-scanner <nil>
	// GET sip: not a SIP message
}

func ExampleNormaliseNumber() {
	fmt.Println(sip.NormaliseNumber("%2B44 (20) 7946-0958"))
	fmt.Println(sip.NormaliseNumber("tel:+1-201-555-0123;phone-context=example.com"))
	fmt.Println(sip.NormaliseNumber("sip:0046812345678@203.0.113.5;user=phone"))
	// Output:
	// +442079460958
	// +12015550123
	// 0046812345678
}
