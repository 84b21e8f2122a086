// Package responder builds the answers the honeypot sends in responsive mode
// (-r): RFC 3261 responses that keep scanners and toll-fraud tools talking,
// so that more of what they try is recorded.
//
// [Responder.Answer] is pure computation: it neither reads nor writes
// sockets and keeps no per-peer state. Proof that a UDP source owns its
// address is stateless too: the digest nonce of every 401 is an HMAC of the
// source IP and the time, so a later request that returns a valid nonce
// from the same IP must have received our packet. Until a UDP source has
// shown that, Answer never returns more bytes than the request it answers,
// so a spoofed source cannot use the honeypot as an amplifier.
//
// Every response echoes the request's Via headers, one per line (the top
// one with received=<source IP> and, when asked for, rport=<source port>),
// From, Call-ID and CSeq, and its To with a tag derived from the Call-ID, so
// that retransmissions get the same tag.
//
// # Rules
//
//   - Responses and ACK are never answered.
//   - A request whose Via, From, To, Call-ID or CSeq is missing or
//     malformed gets nothing: its response could not be routed, or would
//     be malformed too.
//   - Otherwise, a request the reader could not fully parse gets 400 Bad
//     Request (505 Version Not Supported for a version other than SIP/2.0).
//   - OPTIONS gets 200 OK with Allow, Accept and Supported.
//   - REGISTER for a user that is not an extension gets 404 Not Found, so
//     that scanners see a difference between extensions and the rest;
//     for an extension it gets a 401 digest challenge, also when it
//     carries credentials (the password is always wrong).
//   - INVITE gets 100 Trying, then 480 Temporarily Unavailable when the
//     called user is an extension and 486 Busy Here otherwise.
//   - CANCEL and BYE get 481 Call/Transaction Does Not Exist.
//   - SUBSCRIBE, NOTIFY, MESSAGE, INFO, PUBLISH, REFER, UPDATE and PRACK
//     get 405 Method Not Allowed; unknown methods 501 Not Implemented.
//     Both carry Allow.
//
// The source of the rules says why each answer was chosen.
package responder

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

const (
	// DefaultServer is the default Server header: what a FreePBX 16 on
	// Asterisk 18 sends, the kind of PBX scanners look for.
	DefaultServer = "FPBX-16.0.40.7(18.20.2)"
	// DefaultRealm is the default digest realm, Asterisk's own default.
	DefaultRealm = "asterisk"
	// NonceLifetime is how long a nonce we issued proves that the IP it
	// was issued to owns its address.
	NonceLifetime = 5 * time.Minute
)

// ErrInvalidConfig is wrapped by the errors of [Config.Validate].
var ErrInvalidConfig = errors.New("responder: invalid config")

// Config configures a [Responder]. The zero value is ready to use.
type Config struct {
	// Server is the Server header value. Empty means [DefaultServer].
	Server string
	// Realm is the realm of digest challenges. Empty means [DefaultRealm].
	Realm string
	// Secret keys the HMAC that signs nonces and derives To tags. Nil
	// means 32 random bytes, so nonces do not survive a restart (a client
	// holding one just gets another 401).
	Secret []byte
	// Extension reports whether a user name is an extension that exists;
	// it is called concurrently. Nil means [IsExtension]: 2 to 6 ASCII
	// letters or digits, so the random 8-to-10-digit user that sipvicious'
	// svwar sends as its baseline is not one, while 100..999999 and names
	// such as "admin" are.
	Extension func(user string) bool
	// Now returns the current time; it is called concurrently. Nil means
	// time.Now.
	Now func() time.Time
}

// Validate reports whether Server and Realm can be written into a header
// as they are: no control characters, and no quote or backslash in Realm
// (it is sent as a quoted string).
func (c Config) Validate() error {
	if !printable(c.Server, false) {
		return fmt.Errorf("%w: server %q has a control character", ErrInvalidConfig, c.Server)
	}
	if !printable(c.Realm, true) {
		return fmt.Errorf("%w: realm %q has a control character, quote or backslash", ErrInvalidConfig, c.Realm)
	}
	return nil
}

func printable(s string, quoted bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || (quoted && (c == '"' || c == '\\')) {
			return false
		}
	}
	return true
}

// Stats counts what a Responder did since it was made.
type Stats struct {
	// Responses is the number of responses Answer returned.
	Responses uint64
	// Reduced is how many of them were shortened (optional headers and
	// parameters dropped, compact header names) to fit a UDP budget.
	Reduced uint64
	// Skipped is how many responses were not returned because even the
	// shortest form exceeded the budget of an unproven UDP source.
	Skipped uint64
	// Unanswerable is how many messages that are not responses or ACKs got
	// nothing: the start line was not a readable request line, or a
	// header a response echoes was missing or malformed.
	Unanswerable uint64
}

// Responder answers SIP requests. It is safe for concurrent use.
type Responder struct {
	server    string
	realm     string
	extension func(string) bool
	now       func() time.Time
	macs      sync.Pool // of *mac, keyed with the secret

	responses, reduced, skipped, unanswerable atomic.Uint64
}

// New returns a Responder for cfg. It does not fail: a Server or Realm that
// [Config.Validate] rejects is replaced by its default, so no response is
// ever malformed because of the configuration.
func New(cfg Config) *Responder {
	r := &Responder{
		server:    cfg.Server,
		realm:     cfg.Realm,
		extension: cfg.Extension,
		now:       cfg.Now,
	}
	if r.server == "" || !printable(r.server, false) {
		r.server = DefaultServer
	}
	if r.realm == "" || !printable(r.realm, true) {
		r.realm = DefaultRealm
	}
	if r.extension == nil {
		r.extension = IsExtension
	}
	if r.now == nil {
		r.now = time.Now
	}
	secret := cfg.Secret
	if secret == nil {
		secret = make([]byte, 32)
		rand.Read(secret) // never fails since Go 1.24
	} else {
		secret = append([]byte(nil), secret...)
	}
	r.macs.New = func() any { return newMAC(secret) }
	return r
}

// IsExtension is the default extension rule: 2 to 6 ASCII letters or digits.
func IsExtension(user string) bool {
	if len(user) < 2 || len(user) > 6 {
		return false
	}
	for i := 0; i < len(user); i++ {
		c := user[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// Stats returns the counters so far.
func (r *Responder) Stats() Stats {
	return Stats{
		Responses:    r.responses.Load(),
		Reduced:      r.reduced.Load(),
		Skipped:      r.skipped.Load(),
		Unanswerable: r.unanswerable.Load(),
	}
}

// Answer appends to dst the responses to send back to src for m, in the
// order they must be sent, and returns the extended slice; it appends
// nothing when m must not be answered. received is the size in bytes of the
// datagram or stream message m was read from.
//
// Over UDP (and any transport other than TCP and TLS), unless m carries a
// valid nonce that was issued to src's IP, the responses together are at
// most received bytes long: each is shortened if needed (optional headers
// dropped, then compact header names, then Server dropped), or left out. A
// final response is kept in preference to a provisional one, and a
// provisional one is never sent without its final one.
//
// The responses are meant for src, whatever the Via says (RFC 3581
// symmetric response routing; a honeypot answers only the sender).
//
// To avoid allocations, Answer reuses the byte slices it finds in dst's
// spare capacity (dst[len(dst):cap(dst)]), so a caller that passes the
// previous result back as out[:0] must be done with those bytes. Answer
// does not retain m, dst or the returned slices.
func (r *Responder) Answer(m *sip.Message, src netip.AddrPort, tr event.Transport, received int, dst [][]byte) [][]byte {
	if m == nil || m.IsResponse || m.Method == "ACK" || m.CSeqMethod == "ACK" {
		return dst
	}
	x := exchange{m: m, src: src.Addr().Unmap().WithZone(""), port: src.Port(), now: r.now()}
	var plan [2]reply
	n := 0
	if m.Method != "" && x.parse() {
		n = r.plan(&x, &plan)
	}
	if n == 0 {
		r.unanswerable.Add(1)
		return dst
	}

	limited := tr != event.TCP && tr != event.TLS && !r.proven(&x)
	budget := received

	// Build into slots base..base+n-1, reusing spare buffers, in priority
	// order: the last reply (the final answer) matters most.
	base := len(dst)
	for range n {
		if len(dst) < cap(dst) {
			dst = dst[:len(dst)+1]
		} else {
			dst = append(dst, nil)
		}
	}
	var keep [2]bool
	for i := n - 1; i >= 0; i-- {
		if i < n-1 && !keep[n-1] {
			// A provisional answer whose final one was dropped would
			// promise an answer that never comes.
			r.skipped.Add(1)
			continue
		}
		slot := &dst[base+i]
		b := (*slot)[:0]
		f := formFull
		for ; f < formCount; f++ {
			b = r.build(b[:0], &x, plan[i], f)
			if !limited || len(b) <= budget {
				break
			}
		}
		*slot = b
		if f == formCount {
			r.skipped.Add(1)
			continue
		}
		if f != formFull {
			r.reduced.Add(1)
		}
		budget -= len(b)
		keep[i] = true
		r.responses.Add(1)
	}
	// Drop skipped slots by swapping, so no buffer ends up in two slots.
	w := base
	for i := range n {
		if keep[i] {
			dst[w], dst[base+i] = dst[base+i], dst[w]
			w++
		}
	}
	return dst[:w]
}

// Proven reports whether m carries a digest nonce this responder gave src
// within NonceLifetime: the source received our answer, so it is not
// forged. Cheap when m has no Authorization header.
func (r *Responder) Proven(m *sip.Message, src netip.Addr) bool {
	if m.Authorization == "" {
		return false
	}
	nonce, ok := digestNonce(m.Authorization)
	return ok && r.validNonce(nonce, src.Unmap().WithZone(""), r.now())
}

// proven reports whether the request returns a nonce we gave its source.
func (r *Responder) proven(x *exchange) bool {
	nonce, ok := digestNonce(x.m.Authorization)
	return ok && r.validNonce(nonce, x.src, x.now)
}
