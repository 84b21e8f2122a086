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

// What sipvicious reads from answers, with its own regular expressions
// (sipvicious/libs/svhelper.py 0.3.3).
var (
	svAuthHeader = regexp.MustCompile(`(?i)\r\n(www-authenticate|proxy-authenticate): (.+?)\r\n`)
	svNonce      = regexp.MustCompile(`nonce="(.+?)"`)
	svRealm      = regexp.MustCompile(`realm="(.+?)"`)
	svFromTag    = regexp.MustCompile(`(From|f): .*?\;\s*tag=([=+/\.:a-zA-Z0-9_]+)`)
)

// withAuth adds an Authorization header carrying nonce to a test request.
func withAuth(raw, nonce string) string {
	return strings.Replace(raw, "\n",
		"\n"+`Authorization: Digest username="100",realm="asterisk",nonce="`+nonce+`",uri="sip:127.0.0.1",response="0123456789abcdef0123456789abcdef",algorithm=MD5`+"\n", 1)
}

// issuedNonce returns a nonce r issues to src's IP.
func issuedNonce(t *testing.T, r *Responder, src netip.AddrPort) string {
	t.Helper()
	got := r.Answer(parse(t, svcrackRegister), src, event.TCP, 0, nil)
	if len(got) != 1 {
		t.Fatalf("no 401 to take a nonce from")
	}
	n := svNonce.FindStringSubmatch(string(got[0]))
	if n == nil {
		t.Fatalf("no nonce in\n%s", got[0])
	}
	return n[1]
}

var otherSrc = netip.MustParseAddrPort("203.0.113.99:5060")

func TestAnswerBudget(t *testing.T) {
	const tinyOptions = "OPTIONS sip:a SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bK1\nf: <sip:a@b>;tag=1\nt: <sip:c@d>\ni: x\nCSeq: 1 OPTIONS\n\n"
	nonce := issuedNonce(t, newTest(Config{}), testSrc)
	tests := []struct {
		name     string
		raw      string
		tr       event.Transport
		codes    []int
		limited  bool // the answer must fit in the request
		full     bool // the answer must be in full form (also checked by reduced == 0)
		server   bool // the answer must have a Server header
		reduced  uint64
		skipped  uint64
		sipvious bool // check what sipvicious reads
	}{
		{name: "tiny OPTIONS from an unproven UDP source gets nothing", raw: tinyOptions, tr: event.UDP, limited: true, skipped: 1},
		{name: "tiny OPTIONS over TCP gets the full answer", raw: tinyOptions, tr: event.TCP, codes: []int{200}, full: true},
		{name: "tiny OPTIONS over TLS gets the full answer", raw: tinyOptions, tr: event.TLS, codes: []int{200}, full: true},
		{name: "tiny OPTIONS from a proven UDP source gets the full answer", raw: withAuth(tinyOptions, nonce), tr: event.UDP, codes: []int{200}, full: true},
		{name: "a nonce issued to another IP proves nothing", raw: withAuth(tinyOptions, issuedNonce(t, newTest(Config{}), otherSrc)), tr: event.UDP, codes: []int{200}, limited: true, reduced: 1},
		{name: "a nonce issued by another secret proves nothing", raw: withAuth(tinyOptions, issuedNonce(t, newTest(Config{Secret: []byte("other")}), testSrc)), tr: event.UDP, codes: []int{200}, limited: true, reduced: 1},
		{name: "an unknown transport is limited like UDP", raw: tinyOptions, tr: 0, limited: true, skipped: 1},
		{name: "svmap OPTIONS over UDP keeps Server", raw: svmapOptions, tr: event.UDP, codes: []int{200}, limited: true, reduced: 1, server: true},
		{name: "svcrack's first REGISTER gets a shortened 401", raw: svcrackRegister, tr: event.UDP, codes: []int{401}, limited: true, reduced: 1, sipvious: true},
		{name: "svwar's REGISTER gets a shortened 401", raw: svwarRegister, tr: event.UDP, codes: []int{401}, limited: true, reduced: 1, sipvious: true},
		{name: "svwar's baseline gets a full 404", raw: svwarBaseline, tr: event.UDP, codes: []int{404}, limited: true, full: true, sipvious: true},
		{name: "svcrack's password guess gets a full 401", raw: withAuth(svcrackRegister, nonce), tr: event.UDP, codes: []int{401}, full: true, sipvious: true},
		{name: "svwar's INVITE keeps the final answer over 100", raw: svwarInvite, tr: event.UDP, codes: []int{486}, limited: true, skipped: 1, sipvious: true},
		{name: "an INVITE with SDP gets both", raw: fraudInvite, tr: event.UDP, codes: []int{100, 486}, limited: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTest(Config{})
			m := parse(t, tt.raw)
			size := len(crlf(tt.raw))
			got := r.Answer(m, testSrc, tt.tr, size, nil)
			if codes := statusCodes(got); !slices.Equal(codes, tt.codes) {
				t.Fatalf("status codes %v, want %v (stats %+v)", codes, tt.codes, r.Stats())
			}
			if n := totalLen(got); tt.limited && n > size {
				t.Errorf("answered %d bytes to a %d-byte request", n, size)
			}
			for _, b := range got {
				checkResponse(t, m, testSrc, b)
				if server := len(headerValues(b, "Server", "Server")) == 1; (tt.server || tt.full) && !server {
					t.Errorf("want a Server header:\n%s", b)
				}
				if tt.sipvious {
					if tag := svFromTag.FindSubmatch(b); tag == nil || !strings.HasSuffix(m.From, ";tag="+string(tag[2])) {
						t.Errorf("svwar reads From tag %q from\n%s", tag, b)
					}
				}
			}
			if tt.sipvious && tt.codes[0] == 401 {
				auth := svAuthHeader.FindSubmatch(got[0])
				if auth == nil || svNonce.Find(auth[2]) == nil || svRealm.Find(got[0]) == nil {
					t.Errorf("svcrack finds no challenge in\n%s", got[0])
				}
			}
			st := r.Stats()
			if st.Responses != uint64(len(got)) || st.Reduced != tt.reduced || st.Skipped != tt.skipped {
				t.Errorf("Stats() = %+v, want %d responses, %d reduced, %d skipped", st, len(got), tt.reduced, tt.skipped)
			}
		})
	}
}

// TestAnswerBudgetNeverExceeded answers requests from an unproven UDP
// source with every budget from 0 up: the answer never exceeds it, and a
// final answer is never dropped while a provisional one is sent.
func TestAnswerBudgetNeverExceeded(t *testing.T) {
	for name, raw := range map[string]string{
		"INVITE": fraudInvite, "svwar INVITE": svwarInvite, "REGISTER": svcrackRegister,
		"baseline": svwarBaseline, "OPTIONS": svmapOptions,
	} {
		t.Run(name, func(t *testing.T) {
			r := newTest(Config{})
			m := parse(t, raw)
			var out [][]byte
			sizes := map[int]bool{}
			for budget := 0; budget <= 2*len(raw); budget++ {
				out = r.Answer(m, testSrc, event.UDP, budget, out[:0])
				if n := totalLen(out); n > budget {
					t.Fatalf("budget %d: answered %d bytes", budget, n)
				}
				codes := statusCodes(out)
				if len(codes) == 1 && codes[0] == 100 {
					t.Fatalf("budget %d: 100 Trying without a final answer", budget)
				}
				for _, b := range out {
					checkResponse(t, m, testSrc, b)
					sizes[len(b)] = true
				}
			}
			if len(sizes) < 2 {
				t.Errorf("only %d response sizes seen; want the shortened forms used too", len(sizes))
			}
		})
	}
}

// TestAnswerReusesBuffers checks that buffers passed back are reused and
// never shared between two responses.
func TestAnswerReusesBuffers(t *testing.T) {
	r := newTest(Config{})
	invite, options := parse(t, fraudInvite), parse(t, svmapOptions)
	out := r.Answer(invite, testSrc, event.TCP, 0, nil)
	if len(out) != 2 {
		t.Fatalf("got %d responses", len(out))
	}
	first := &out[0][:1][0]
	out = r.Answer(options, testSrc, event.TCP, 0, out[:0])
	if len(out) != 1 || &out[0][:1][0] != first {
		t.Errorf("the first buffer was not reused")
	}
	// A budget that drops the 100 must not leave one buffer in two slots.
	size := len(crlf(svwarInvite))
	out = r.Answer(parse(t, svwarInvite), testSrc, event.UDP, size, out[:0])
	out = r.Answer(invite, testSrc, event.TCP, 0, out[:0])
	if len(out) != 2 || &out[0][:1][0] == &out[1][:1][0] {
		t.Fatalf("two responses share a buffer")
	}
	for _, b := range out {
		checkResponse(t, invite, testSrc, b)
	}
	// What dst already holds is kept.
	keep := [][]byte{[]byte("kept")}
	out = r.Answer(options, testSrc, event.TCP, 0, keep)
	if len(out) != 2 || string(out[0]) != "kept" {
		t.Errorf("dst's elements were not kept: %q", out)
	}
}

func TestAnswerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	r := newTest(Config{})
	m := parse(t, svmapOptions)
	reg := parse(t, withAuth(svcrackRegister, issuedNonce(t, r, testSrc)))
	out := r.Answer(m, testSrc, event.UDP, 1000, nil)
	for name, m := range map[string]*sip.Message{"OPTIONS": m, "REGISTER with a nonce": reg} {
		t.Run(name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				out = r.Answer(m, testSrc, event.UDP, 1000, out[:0])
			})
			if allocs != 0 {
				t.Errorf("%v allocations per Answer with reused buffers, want 0", allocs)
			}
		})
	}
}

// TestProven: a request is proven when it echoes a nonce issued to its
// source's address, and only then.
func TestProven(t *testing.T) {
	r := newTest(Config{})
	src := netip.MustParseAddrPort("198.51.100.7:5060")
	nonce := issuedNonce(t, r, src)
	tests := []struct {
		name string
		raw  string
		src  netip.Addr
		want bool
	}{
		{"echoes our nonce", withAuth(svcrackRegister, nonce), src.Addr(), true},
		{"from another address", withAuth(svcrackRegister, nonce), netip.MustParseAddr("198.51.100.8"), false},
		{"a nonce we never gave", withAuth(svcrackRegister, "AAAAAAAAAAAAAAAAAAAAAA"), src.Addr(), false},
		{"no Authorization", svcrackRegister, src.Addr(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Proven(parse(t, tt.raw), tt.src); got != tt.want {
				t.Errorf("Proven = %v, want %v", got, tt.want)
			}
		})
	}
}
