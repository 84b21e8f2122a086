package sipagent

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// Decisions is the decision set as the agent reads it; the daemon passes
// *decision.Engine. Both methods must be safe for concurrent use, fast (they
// run for every INVITE) and must not keep value: it may refer into a
// buffer the agent reuses.
type Decisions interface {
	// Get returns the decision for a canonical value: an IP address as
	// netip prints it, or a number normalised by [sip.NormaliseNumber].
	Get(value string) (decision.Decision, bool)
	// Covers returns a decision of Kind [decision.Net] whose Prefix
	// contains ip (any one, preferably the longest), if there is one.
	// ip is unmapped and has no zone.
	Covers(ip netip.Addr) (decision.Decision, bool)
}

// Stats are the agent's counts since [New]. They never name a call.
type Stats struct {
	Requests       uint64 // messages received (UDP datagrams, stream messages)
	Redirects      uint64 // INVITEs answered 302
	RejectedCaller uint64 // INVITEs rejected for their caller's address
	RejectedNumber uint64 // INVITEs rejected for their called number
	Options        uint64 // OPTIONS answered 200
	Others         uint64 // other requests answered (405, 481 for CANCEL, 414)
	// Malformed counts requests answered 400 or 505 and messages not
	// answered because no response could be built (responses and non-SIP
	// included; CRLF keep-alives are not counted).
	Malformed uint64
	// Errors counts failed reads and writes.
	Errors uint64
	// ConnsAccepted, ConnsRefused (over MaxConns), ConnsTimedOut and
	// Oversize (a stream message over MaxMessage) count stream connections.
	ConnsAccepted, ConnsRefused, ConnsTimedOut, Oversize uint64
}

// Agent answers the proxy's requests. Make one with [New].
type Agent struct {
	cfg     Config
	dec     Decisions
	dest    Destination
	contact string // "@host[:port][;transport=x]>\r\n"
	reject  string // "SIP/2.0 404 Not Found\r\n"
	cause   string // "Reason: SIP;cause=404;text=\"SentryPeer: "
	header  string // SourceHeader
	log     *slog.Logger

	stats struct {
		requests, redirects, rejCaller, rejNumber, options, others, malformed, errors atomic.Uint64
		accepted, refused, timedOut, oversize                                         atomic.Uint64
	}
}

// New checks cfg and returns an agent that answers from d. It starts
// nothing; call [Agent.Serve] or [Agent.ServeStream].
var _ Decisions = (*decision.Engine)(nil)

func New(cfg Config, d Decisions) (*Agent, error) {
	if d == nil {
		return nil, fmt.Errorf("sipagent: no decision set")
	}
	dest, err := ParseDestination(cfg.Destination)
	if err != nil {
		return nil, err
	}
	if cfg.Reject == 0 {
		cfg.Reject = DefaultReject
	}
	phrase, ok := rejectReasons[cfg.Reject]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrReject, cfg.Reject)
	}
	if cfg.SourceHeader == "" {
		cfg.SourceHeader = DefaultSourceHeader
	}
	if !isToken(cfg.SourceHeader) {
		return nil, fmt.Errorf("%w: %q", ErrSourceHeader, cfg.SourceHeader)
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	code := strconv.Itoa(cfg.Reject)
	return &Agent{
		cfg: cfg, dec: d, dest: dest,
		contact: "@" + dest.String() + ">\r\n",
		reject:  "SIP/2.0 " + code + " " + phrase + "\r\n",
		cause:   "Reason: SIP;cause=" + code + ";text=\"SentryPeer: ",
		header:  cfg.SourceHeader,
		log:     cfg.Logger.With("component", "sipagent"),
	}, nil
}

// Destination returns where clean calls are redirected.
func (a *Agent) Destination() Destination { return a.dest }

// Stats returns the counts so far.
func (a *Agent) Stats() Stats {
	s := &a.stats
	return Stats{
		Requests: s.requests.Load(), Redirects: s.redirects.Load(),
		RejectedCaller: s.rejCaller.Load(), RejectedNumber: s.rejNumber.Load(),
		Options: s.options.Load(), Others: s.others.Load(),
		Malformed: s.malformed.Load(), Errors: s.errors.Load(),
		ConnsAccepted: s.accepted.Load(), ConnsRefused: s.refused.Load(),
		ConnsTimedOut: s.timedOut.Load(), Oversize: s.oversize.Load(),
	}
}

// worker is one reader's reusable state.
type worker struct {
	m   sip.Message
	out []byte
	key []byte // an IP's canonical form
}

func newWorker() *worker {
	return &worker{out: make([]byte, 0, 2048), key: make([]byte, 0, 64)}
}

// handle answers one message, returning the response (in w.out) or nil.
// Nothing derived from msg outlives the call: msg may be a view of a
// buffer that the caller reuses.
func (a *Agent) handle(w *worker, msg string) []byte {
	if isKeepAlive(msg) {
		return nil
	}
	a.stats.requests.Add(1)
	m := &w.m
	sip.Parse(msg, m)
	if m.IsResponse || m.Err == sip.ErrNotSIP || m.Err == sip.ErrNoStartLine || !answerable(m) {
		a.stats.malformed.Add(1)
		return nil
	}
	if strings.EqualFold(m.Method, "ACK") {
		return nil // RFC 3261 17.2.1: never answered
	}
	if m.Err != nil {
		a.stats.malformed.Add(1)
		if m.Err == sip.ErrBadVersion {
			return a.respond(w, "SIP/2.0 505 Version Not Supported\r\n")
		}
		return a.respond(w, "SIP/2.0 400 Bad Request\r\n")
	}
	switch {
	case m.Method == "INVITE":
		return a.invite(w, msg)
	case m.Method == "OPTIONS":
		a.stats.options.Add(1)
		b := a.start(w, "SIP/2.0 200 OK\r\n")
		b = append(b, "Allow: "+allow+"\r\nAccept: application/sdp\r\n"...)
		return a.end(w, b)
	case m.Method == "CANCEL":
		a.stats.others.Add(1)
		return a.respond(w, "SIP/2.0 481 Call/Transaction Does Not Exist\r\n")
	}
	a.stats.others.Add(1)
	b := a.start(w, "SIP/2.0 405 Method Not Allowed\r\n")
	b = append(b, "Allow: "+allow+"\r\n"...)
	return a.end(w, b)
}

// allow lists the methods the agent answers.
const allow = "INVITE, ACK, CANCEL, OPTIONS"

// invite decides one INVITE.
func (a *Agent) invite(w *worker, msg string) []byte {
	m := &w.m
	user := m.CalledNumber // Request-URI user, else To's, as sent
	if len(user) > maxUser {
		a.stats.others.Add(1)
		return a.respond(w, "SIP/2.0 414 Request-URI Too Long\r\n")
	}

	if ip, ok := a.caller(w, msg); ok {
		key := w.ipKey(ip)
		d, hit := a.dec.Get(key)
		if !hit {
			d, hit = a.dec.Covers(ip)
		}
		if hit {
			a.stats.rejCaller.Add(1)
			b := a.start(w, a.reject)
			b = append(b, a.cause...)
			b = append(b, "caller "...)
			b = ip.AppendTo(b)
			if d.Kind == decision.Net && d.Prefix.IsValid() {
				b = append(b, " is in blocked network "...)
				b = d.Prefix.AppendTo(b)
			} else {
				b = append(b, " is blocked"...)
			}
			b = append(b, "\"\r\n"...)
			a.debug("rejected caller", m, user, ip, a.cfg.Reject)
			return a.end(w, b)
		}
	}

	if number := sip.NormaliseNumber(user); number != "" {
		if _, hit := a.dec.Get(number); hit {
			a.stats.rejNumber.Add(1)
			b := a.start(w, a.reject)
			b = append(b, a.cause...)
			b = append(b, "number "...)
			b = append(b, number...) // digits, letters, * # +: nothing to quote
			b = append(b, " is blocked\"\r\n"...)
			a.debug("rejected number", m, user, netip.Addr{}, a.cfg.Reject)
			return a.end(w, b)
		}
	}

	a.stats.redirects.Add(1)
	b := a.start(w, "SIP/2.0 302 Moved Temporarily\r\n")
	b = append(b, "Contact: <sip:"...)
	b = appendUser(b, user)
	if user == "" {
		b = append(b, a.contact[1:]...) // no user, no '@'
	} else {
		b = append(b, a.contact...)
	}
	a.debug("redirected", m, user, netip.Addr{}, 302)
	return a.end(w, b)
}

// debug logs an answer with Config.Debug only. Values are copied: they
// refer into the request buffer.
func (a *Agent) debug(msg string, m *sip.Message, user string, caller netip.Addr, status int) {
	if !a.cfg.Debug {
		return
	}
	attrs := []any{"status", status, "number", strings.Clone(user), "call_id", strings.Clone(m.CallID)}
	if caller.IsValid() {
		attrs = append(attrs, "caller", caller.String())
	}
	a.log.Debug(msg, attrs...)
}

// respond builds a response with only the copied headers.
func (a *Agent) respond(w *worker, status string) []byte {
	return a.end(w, a.start(w, status))
}

// start writes the status line and the headers copied from the request
// (RFC 3261 8.2.6): every Via, From, To (with a tag unless it has one),
// Call-ID and CSeq.
func (a *Agent) start(w *worker, status string) []byte {
	m := &w.m
	b := append(w.out[:0], status...)
	for _, v := range m.Vias {
		b = append(b, "Via: "...)
		b = append(b, strings.TrimSpace(v)...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "From: "...)
	b = append(b, strings.TrimSpace(m.From)...)
	b = append(b, "\r\nTo: "...)
	b = append(b, strings.TrimSpace(m.To)...)
	if !hasTag(m.To) {
		b = append(b, ";tag="...)
		b = appendTag(b, m)
	}
	b = append(b, "\r\nCall-ID: "...)
	b = append(b, strings.TrimSpace(m.CallID)...)
	b = append(b, "\r\nCSeq: "...)
	b = append(b, strings.TrimSpace(m.CSeq)...)
	b = append(b, "\r\n"...)
	return b
}

// end closes the headers and keeps b's storage for the next response.
func (a *Agent) end(w *worker, b []byte) []byte {
	b = append(b, "Server: SentryPeer SIP agent\r\nContent-Length: 0\r\n\r\n"...)
	w.out = b
	return b
}

// ipKey returns ip's canonical value without allocating: a view of w.key,
// valid until the next call (Decisions must not keep it).
func (w *worker) ipKey(ip netip.Addr) string {
	w.key = ip.AppendTo(w.key[:0])
	return unsafe.String(unsafe.SliceData(w.key), len(w.key))
}
