package responder

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestValidNonce(t *testing.T) {
	r := newTest(Config{})
	ip := testSrc.Addr()
	nonce := string(r.appendNonce(nil, ip, testTime))
	if len(nonce) != nonceLen {
		t.Fatalf("nonce %q has length %d, want %d", nonce, len(nonce), nonceLen)
	}
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	tests := []struct {
		name  string
		r     *Responder
		nonce string
		ip    netip.Addr
		now   time.Time
		want  bool
	}{
		{"fresh", r, nonce, ip, testTime, true},
		{"at the end of its lifetime", r, nonce, ip, testTime.Add(NonceLifetime), true},
		{"expired", r, nonce, ip, testTime.Add(NonceLifetime + time.Second), false},
		{"from the future", r, nonce, ip, testTime.Add(-time.Second), false},
		{"another IP", r, nonce, netip.MustParseAddr("198.51.100.8"), testTime, false},
		{"the same IP, IPv4-mapped", r, nonce, netip.MustParseAddr("::ffff:198.51.100.7"), testTime, true},
		{"another secret", newTest(Config{Secret: []byte("other")}), nonce, ip, testTime, false},
		{"tampered MAC", r, flip(nonce, nonceLen-3), ip, testTime, false},
		{"tampered time", r, flip(nonce, 2), ip, testTime, false},
		{"truncated", r, nonce[:nonceLen-1], ip, testTime, false},
		{"too long", r, nonce + "A", ip, testTime, false},
		{"not base64", r, "!" + nonce[1:], ip, testTime, false},
		{"empty", r, "", ip, testTime, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.validNonce(tt.nonce, tt.ip, tt.now); got != tt.want {
				t.Errorf("validNonce(%q, %v, %v) = %v, want %v", tt.nonce, tt.ip, tt.now, got, tt.want)
			}
		})
	}
}

// TestNonceProof runs the proof end to end: the nonce of a 401 lifts the
// UDP byte limit for the same IP (from any port, as long as it is fresh),
// and for no other. The requests claim to be 100 bytes long, so only a
// proven source gets an answer.
func TestNonceProof(t *testing.T) {
	now := testTime
	r := newTest(Config{Now: func() time.Time { return now }})
	v6 := netip.MustParseAddrPort("[2001:db8::7]:5060")
	nonceV4 := issuedNonce(t, r, testSrc)
	nonceV6 := issuedNonce(t, r, v6)
	tests := []struct {
		name   string
		nonce  string
		src    netip.AddrPort
		after  time.Duration
		proven bool
	}{
		{"same IP and port", nonceV4, testSrc, 0, true},
		{"same IP, other port", nonceV4, netip.AddrPortFrom(testSrc.Addr(), 5999), time.Minute, true},
		{"same IP as IPv4-mapped IPv6", nonceV4, netip.MustParseAddrPort("[::ffff:198.51.100.7]:5060"), 0, true},
		{"IPv6", nonceV6, v6, 0, true},
		{"IPv6 nonce from the IPv4 source", nonceV6, testSrc, 0, false},
		{"other IP", nonceV4, otherSrc, 0, false},
		{"expired", nonceV4, testSrc, NonceLifetime + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = testTime.Add(tt.after)
			raw := withAuth(svcrackRegister, tt.nonce)
			m := parse(t, raw)
			got := r.Answer(m, tt.src, event.UDP, 100, nil)
			if !tt.proven {
				if len(got) != 0 {
					t.Errorf("an unproven source got %d bytes for 100", totalLen(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d responses, want one 401", len(got))
			}
			checkResponse(t, m, tt.src, got[0])
			if !strings.Contains(string(got[0]), `qop="auth"`) {
				t.Errorf("want the full 401:\n%s", got[0])
			}
			// A guess gets a challenge with a nonce valid from now on.
			if n := svNonce.FindStringSubmatch(string(got[0])); n == nil || !r.validNonce(n[1], tt.src.Addr(), now.Add(NonceLifetime)) {
				t.Errorf("401 nonce %q is not fresh", n)
			}
		})
	}
}

func TestToTag(t *testing.T) {
	r := newTest(Config{})
	tag := func(r *Responder, raw string) string {
		t.Helper()
		m := parse(t, raw)
		got := r.Answer(m, testSrc, event.TCP, 0, nil)
		if len(got) == 0 {
			t.Fatalf("no response")
		}
		_, params, _ := splitAddress(headerValues(got[len(got)-1], "To", "t")[0])
		_, v, ok := strings.Cut(params, ";tag=")
		if !ok || len(v) != toTagLen {
			t.Fatalf("To parameters %q have no %d-character tag", params, toTagLen)
		}
		return v
	}
	callID := func(raw, id string) string {
		return strings.Replace(raw, "Call-ID: 3413366399", "Call-ID: "+id, 1)
	}
	long := strings.Repeat("c", 200) // hashed in several chunks
	base := tag(r, svwarRegister)
	tests := []struct {
		name  string
		got   string
		equal bool
	}{
		{"a retransmission gets the same tag", tag(r, svwarRegister), true},
		{"another response to the same Call-ID gets the same tag", tag(r, svwarBaseline), true},
		{"a new Responder with the same secret gives the same tag", tag(newTest(Config{}), svwarRegister), true},
		{"another Call-ID gets another tag", tag(r, callID(svwarRegister, "3413366398")), false},
		{"another secret gives another tag", tag(newTest(Config{Secret: []byte("other")}), svwarRegister), false},
		{"a long Call-ID is hashed whole", tag(r, callID(svwarRegister, long+"1")), tag(r, callID(svwarRegister, long+"2")) == base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.got == base) != tt.equal {
				t.Errorf("tag %q vs %q: equal = %v, want %v", tt.got, base, tt.got == base, tt.equal)
			}
		})
	}
}
