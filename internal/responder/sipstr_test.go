package responder

import (
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

func TestCutUnquoted(t *testing.T) {
	tests := []struct {
		s, before, after string
		found            bool
	}{
		{"a;b;c", "a", "b;c", true},
		{`"x;y" <sip:a>;tag=1`, `"x;y" <sip:a>`, "tag=1", true},
		{`"x\";y";z`, `"x\";y"`, "z", true},
		{`"unclosed;`, `"unclosed;`, "", false},
		{"none", "none", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			before, after, found := sip.CutUnquoted(tt.s, ';')
			if before != tt.before || after != tt.after || found != tt.found {
				t.Errorf("sip.CutUnquoted(%q) = %q, %q, %v; want %q, %q, %v", tt.s, before, after, found, tt.before, tt.after, tt.found)
			}
		})
	}
}

func TestAddress(t *testing.T) {
	tests := []struct {
		name, v, user string
		valid, tag    bool
	}{
		{"name-addr", `"100" <sip:100@h>`, "100", true, false},
		{"name-addr with tag", `"100"<sip:100@h>;tag=abc`, "100", true, true},
		{"tag in the URI is not a header tag", `<sip:100@h;tag=abc>`, "100", true, false},
		{"tag with spaces and case", `<sip:100@h> ; TAG = abc`, "100", true, true},
		{"tagged parameter name is not tag", `<sip:100@h>;tagx=1`, "100", true, false},
		{"addr-spec parameters are header parameters", `sip:100@h;tag=abc`, "100", true, true},
		{"display name with < and ;", `"a<b;tag=x" <sip:200@h>`, "200", true, false},
		{"user with password", `<sip:100:secret@h>`, "100", true, false},
		{"no user", `<sip:h>`, "", true, false},
		{"tel URI", `<tel:+15551234;phone-context=x>`, "+15551234", true, false},
		{"unclosed angle bracket", `<sip:100@h`, "", false, false},
		{"no scheme", `alice`, "", false, false},
		{"empty URI", `<>`, "", false, false},
		{"scheme only", `<sip:>`, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := addressUser(tt.v); got != tt.user {
				t.Errorf("addressUser(%q) = %q, want %q", tt.v, got, tt.user)
			}
			if got := hasTag(tt.v); got != tt.tag {
				t.Errorf("hasTag(%q) = %v, want %v", tt.v, got, tt.tag)
			}
		})
	}
}

func TestURIUser(t *testing.T) {
	tests := map[string]string{
		"sip:100@h":                 "100",
		"sip:900441234567@h;user=x": "900441234567",
		"sips:alice@h":              "alice",
		" sip:100@h ":               "100",
		"sip:h":                     "",
		"tel:200":                   "200",
		"100":                       "",
		"":                          "",
	}
	for uri, want := range tests {
		t.Run(uri, func(t *testing.T) {
			if got := uriUser(uri); got != want {
				t.Errorf("uriUser(%q) = %q, want %q", uri, got, want)
			}
		})
	}
}

func TestDigestNonce(t *testing.T) {
	tests := []struct {
		name, auth, nonce string
		ok                bool
	}{
		{"svcrack", `Digest username="100",realm="asterisk",nonce="abc",uri="sip:h",response="x",algorithm=MD5,qop=auth`, "abc", true},
		{"spaces and case", `digest  Username="100", NONCE = "abc" , realm="r"`, "abc", true},
		{"unquoted", `Digest nonce=abc,realm=r`, "abc", true},
		{"cnonce is not nonce", `Digest cnonce="x", nonce="abc"`, "abc", true},
		{"comma in a quoted value", `Digest uri="sip:a,b", nonce="abc"`, "abc", true},
		{"no nonce", `Digest username="100"`, "", false},
		{"Basic", `Basic nonce="abc"`, "", false},
		{"empty", ``, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nonce, ok := digestNonce(tt.auth)
			if nonce != tt.nonce || ok != tt.ok {
				t.Errorf("digestNonce(%q) = %q, %v; want %q, %v", tt.auth, nonce, ok, tt.nonce, tt.ok)
			}
		})
	}
}
