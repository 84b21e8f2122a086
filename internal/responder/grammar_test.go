package responder

import "testing"

func TestValidAddress(t *testing.T) {
	tests := map[string]bool{
		`"100" <sip:100@127.0.0.1>`:                         true,
		`"100"<sip:100@127.0.0.1>;tag=3206210844`:           true,
		`sipvicious <sip:100@1.1.1.1>;tag=ab`:               true,
		`Bob Smith <sip:bob@[2001:db8::1]:5060;user=phone>`: true,
		`<sip:100@h>;tag=1;x="a;b"`:                         true,
		`<sip:100@h> ; tag = 1`:                             true,
		`sip:100@h;tag=1`:                                   true,
		`sip:100@h:5060 ;tag=1`:                             true,
		`<tel:+15551234;phone-context=example.com>`:         true,
		`"a \"quoted\" name" <sip:a@h>`:                     true,
		`<sips:a@h?subject=x>`:                              true,

		`alice`:                                 false,
		`<sip:100@h`:                            false,
		`"Mr. J. User <sip:j.user@example.com>`: false, // RFC 4475 quotbal
		`"Watson" < sip:t.watson@example.org >`: false, // RFC 4475 badaspec
		`0"000":0`:                              false,
		`<sip:100@h>;;tag=1`:                    false,
		`<sip:100@h>;tag=`:                      false,
		`<sip:100@h>;tag=a b`:                   false,
		`<sip:100@h:port>`:                      false,
		`<sip:100@>`:                            false,
		`<1sip:100@h>`:                          false,
		`<sip:a@h> trailing`:                    false,
		`"line\` + "\n" + `break" <sip:a@h>`:    false,
		"<sip:a@h>;tag=\r\nX-Injected: 1":       false,
		`<sip:a b@h>`:                           false,
		`name@ <sip:a@h>`:                       false,
		``:                                      false,
	}
	for v, want := range tests {
		t.Run(v, func(t *testing.T) {
			if got := validAddress(v); got != want {
				t.Errorf("validAddress(%q) = %v, want %v", v, got, want)
			}
		})
	}
}

func TestValidVia(t *testing.T) {
	tests := map[string]bool{
		"SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-3800699323;rport": true,
		"SIP / 2.0 / TCP host.example.com ; branch=z9hG4bKa":         true,
		"SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255":  true,
		"SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255]":     true,
		"SIP/2.0/UDP h;x=\"quoted;value\"":                           true,
		"SIP/2.0/UDP\th":                                             true,

		"SIP/2.0/UDP":                      false,
		"SIP/2.0 h":                        false,
		"garbage":                          false,
		"/2.0/UDP h":                       false,
		"SIP//UDP h":                       false,
		"00/0/0 00000000000000000000":      true,  // odd but grammatical
		"SIP/2.0/UDP 192.0.2.15;;":         false, // RFC 4475 badinv01
		"SIP/2.0/UDP h:":                   false,
		"SIP/2.0/UDP h:123456":             false,
		"SIP/2.0/UDP [2001:db8::1":         false,
		"SIP/2.0/UDP h;branch=a b":         false,
		"SIP/2.0/UDP h h2":                 false,
		"SIP/2.0/UDP h_bad;branch=z9hG4bK": false,
		"":                                 false,
	}
	for v, want := range tests {
		t.Run(v, func(t *testing.T) {
			if got := validVia(v); got != want {
				t.Errorf("validVia(%q) = %v, want %v", v, got, want)
			}
		})
	}
}

func TestValidCallID(t *testing.T) {
	tests := map[string]bool{
		"4164479702": true, "a84b4c76e66710@pc33.atlanta.com": true, "x{}<>[]?/:\\\"()": true,
		"": false, "a b": false, "@x": false, "x@": false, "a@b@c": false, "a;b": false, "a,b": false, "é": false,
	}
	for v, want := range tests {
		t.Run(v, func(t *testing.T) {
			if got := validCallID(v); got != want {
				t.Errorf("validCallID(%q) = %v, want %v", v, got, want)
			}
		})
	}
}

func TestValidCSeq(t *testing.T) {
	tests := map[string]bool{
		"1 REGISTER": true, " 314159 INVITE ": true, "1\tOPTIONS": true, "2147483647 BYE": true,
		"2147483648 BYE": false, "99999999999999999999 BYE": false, "REGISTER": false, "1": false,
		"1 ": false, "x1 INVITE": false, "1 INVITE extra": false, "": false,
	}
	for v, want := range tests {
		t.Run(v, func(t *testing.T) {
			if got := validCSeq(v); got != want {
				t.Errorf("validCSeq(%q) = %v, want %v", v, got, want)
			}
		})
	}
}
