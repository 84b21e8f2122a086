package sip

import "testing"

func TestUserPart(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sip", "sip:100@1.1.1.1", "100"},
		{"sips", "sips:alice@example.com", "alice"},
		{"scheme any case", "SIP:200@h", "200"},
		{"user params", "sip:+4412;npdi;rn=+4413@h;user=phone", "+4412"},
		{"password", "sip:100:secret@h", "100"},
		{"no user", "sip:example.com", ""},
		{"empty user", "sip:@h", ""},
		{"uri headers", "sip:100@h?Subject=x", "100"},
		{"tel", "tel:+1-201-555-0123;phone-context=example.com", "+1-201-555-0123"},
		{"tel bare", "tel:911", "911"},
		{"other scheme", "http://example.com/a@b", ""},
		{"no scheme", "100@h", ""},
		{"name-addr", `"Bob" <sip:bob@h>;tag=1`, "bob"},
		{"name-addr spaces in brackets", "< sip:t.watson@example.org >", "t.watson"},
		{"display name with angle brackets", `"a <sip:evil@x>" <sip:good@h>`, "good"},
		{"display name with escaped quote", `"a \" <sip:evil@x>" <sip:good@h>`, "good"},
		{"unclosed quote", `"Mr. J. User <sip:j.user@example.com>`, "j.user"},
		{"token display name", "caller<sip:caller@h>", "caller"},
		{"addr-spec with header params", "sip:bob@h;tag=1", "bob"},
		{"addr-spec then space", "sip:bob@h ;tag=x@y", "bob"},
		{"tel in brackets", "<tel:+4420;ext=1>", "+4420"},
		{"unclosed bracket", "<sip:100@h", "100"},
		{"empty", "", ""},
		{"only spaces", "   ", ""},
		{"lone quote", `"`, ""},
		{"lone bracket", "<", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := userPart(tt.in); got != tt.want {
				t.Errorf("userPart(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCalledNumberFallsBackToTo(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Request-URI wins", crlf("INVITE sip:1@h SIP/2.0", "To: <sip:2@h>", "", ""), "1"},
		{"Request-URI without user", crlf("REGISTER sip:h SIP/2.0", "To: <sip:2@h>", "", ""), "2"},
		{"Request-URI of another scheme", crlf("OPTIONS urn:x SIP/2.0", "t: sip:3@h", "", ""), "3"},
		{"response", crlf("SIP/2.0 180 Ringing", "To: <tel:+44>;tag=a", "", ""), "+44"},
		{"neither", crlf("REGISTER sip:h SIP/2.0", "To: <sip:h>", "", ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			if m.CalledNumber != tt.want {
				t.Errorf("CalledNumber = %q, want %q", m.CalledNumber, tt.want)
			}
		})
	}
}
