package main

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// zipfS is the Zipf exponent for sources and numbers: with 20,000 sources
// the top one makes ~14 % of the probes, the top 10 ~40 %, the top 100 ~60 %.
const zipfS = 1.1

// nodeID is the fixed node UUID of every generated event.
const nodeID = "5e9f0c2a-7d41-4b6e-9a3f-2c8d1e6b7f40"

// junk is the method name of a non-SIP probe (an HTTP request on the SIP
// port), which the listener records with a parse error.
const junk = "GET"

// methodShare is a request method and its share of probes, in percent.
type methodShare struct {
	method string
	pct    float64
}

// methodShares sum to 100: OPTIONS 45, REGISTER 30, INVITE 22, others 3.
func methodShares() []methodShare {
	return []methodShare{
		{"OPTIONS", 45}, {"REGISTER", 30}, {"INVITE", 22},
		{"SUBSCRIBE", 0.6}, {"MESSAGE", 0.5}, {"NOTIFY", 0.4}, {"BYE", 0.3},
		{"CANCEL", 0.3}, {"ACK", 0.3}, {"INFO", 0.2}, {"PUBLISH", 0.2}, {junk, 0.2},
	}
}

// genConfig sizes a generator.
type genConfig struct {
	Events  int
	IPs     int
	Numbers int
	Start   time.Time
	Span    time.Duration
	Seed    uint64
}

// session is a run of consecutive probes from one source with one method,
// as scanners send them (a svwar sweep, a burst of toll-fraud INVITEs).
type session struct {
	src    *source
	port   uint16
	method string
	left   int
	cseq   int
	caller string // From user of INVITEs
	callID string // kept across a REGISTER session
	tag    string
	first  time.Time     // time of the session's first probe
	gap    time.Duration // between its probes
	prev   time.Time     // time of its last probe
}

// generator makes realistic probe events, oldest first. Everything but the
// event IDs (crypto-random, as the listener makes them) follows from the
// seed and the window. A generator is not safe for concurrent use.
type generator struct {
	r       *rand.Rand
	sched   *schedule
	sources []source
	srcZipf *rand.Zipf
	numbers []number
	numZipf *rand.Zipf
	methods []methodShare
	nodeID  event.UUID
	sess    session
	msg     sip.Message
	b       msgBuilder
}

func newGenerator(cfg genConfig) (*generator, error) {
	if cfg.Events < 0 || cfg.IPs < 1 || cfg.Numbers < 1 || cfg.Span <= 0 {
		return nil, fmt.Errorf("invalid generator config %+v", cfg)
	}
	node, err := event.ParseUUID(nodeID)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	g := &generator{
		r:       r,
		sources: newSources(r, cfg.IPs, agents()),
		numbers: newNumbers(r, cfg.Numbers),
		methods: methodShares(),
		nodeID:  node,
	}
	g.srcZipf = rand.NewZipf(r, zipfS, 1, uint64(cfg.IPs-1))
	g.numZipf = rand.NewZipf(r, zipfS, 1, uint64(cfg.Numbers-1))
	g.sched = newSchedule(r, cfg.Start, cfg.Span, cfg.Events)
	return g, nil
}

// next returns the next event, or nil after the last.
func (g *generator) next() *event.Event {
	t, ok := g.sched.next()
	if !ok {
		return nil
	}
	if g.sess.left == 0 {
		g.newSession(t)
	}
	s := &g.sess
	// A session's probes follow each other gap apart, but never later than
	// the schedule's slot for them: the slots keep the daily rhythm and the
	// order (the next session starts at a later slot), the gap makes bursts.
	if s.cseq > 0 {
		t = time.Unix(0, max(s.prev.UnixNano()+1, min(t.UnixNano(), s.first.Add(time.Duration(s.cseq)*s.gap).UnixNano()))).UTC()
	}
	s.prev = t
	s.left--
	s.cseq++
	p := probe{
		method:    s.method,
		style:     s.src.agent.style,
		ua:        s.src.agent.ua,
		transport: s.src.transport,
		src:       netip.AddrPortFrom(s.src.addr, s.port),
		dst:       destination4(s.src.transport),
		cseq:      1,
		caller:    s.caller,
		callID:    s.callID,
		tag:       s.tag,
	}
	if s.callID != "" {
		p.cseq = s.cseq // a REGISTER run reuses its Call-ID, so it counts up
	}
	if p.method == junk {
		p.transport = event.TCP
		p.dst = destination4(event.TCP)
	}
	switch p.method {
	case "INVITE", "REGISTER":
		p.number = g.numbers[g.numZipf.Uint64()].raw
	case "OPTIONS":
		if p.style == styleSipvicious {
			p.number = "100"
		}
	case "SUBSCRIBE", "MESSAGE", "NOTIFY", "PUBLISH", "INFO":
		p.number = g.extension()
	}
	if p.callID == "" {
		p.callID = g.callID(p.style, p.src.Addr())
	}
	if p.tag == "" {
		p.tag = g.tag(p.style)
	}
	p.branch = g.branch(p.style)
	raw := g.b.build(&p, g.r)
	return g.event(t, raw, p.transport, p.src, p.dst)
}

// newSession starts, at t, a run of 1–40 probes (mean ~2.5) from a
// Zipf-ranked source with a method drawn from methodShares; 60 % of runs
// are floods (5–50 ms between probes), the rest slower (0.2–2 s).
func (g *generator) newSession(t time.Time) {
	src := &g.sources[g.srcZipf.Uint64()]
	s := session{src: src, port: src.port, method: g.method(), left: 1, first: t}
	if g.r.Float64() < 0.6 {
		s.gap = time.Duration(5+g.r.IntN(46)) * time.Millisecond
	} else {
		s.gap = time.Duration(200+g.r.IntN(1801)) * time.Millisecond
	}
	if s.port == 0 {
		s.port = uint16(32768 + g.r.IntN(28232))
	}
	for s.left < 40 && g.r.Float64() < 0.6 {
		s.left++
	}
	switch s.method {
	case "INVITE":
		callers := [...]string{"100", "101", "1000", "anonymous", "admin", "200"}
		s.caller = callers[g.r.IntN(len(callers))]
		if g.r.Float64() < 0.3 {
			s.caller = fmt.Sprint(100 + g.r.IntN(9900))
		}
	case "REGISTER":
		if src.agent.style != styleSipvicious {
			s.callID = g.callID(src.agent.style, src.addr)
			s.tag = g.tag(src.agent.style)
		}
	}
	g.sess = s
}

func (g *generator) method() string {
	x := g.r.Float64() * 100
	for _, m := range g.methods {
		x -= m.pct
		if x < 0 {
			return m.method
		}
	}
	return g.methods[0].method
}

// extension is a short extension for the rare methods (not from the number
// pool, which toll fraud and registration sweeps draw on).
func (g *generator) extension() string {
	exts := [...]string{"100", "101", "1000", "1001", "200", "2000"}
	return exts[g.r.IntN(len(exts))]
}

func (g *generator) callID(st style, host netip.Addr) string {
	switch st {
	case styleSipvicious:
		return fmt.Sprintf("%d%d", g.r.Uint64()%1e12, g.r.Uint64()%1e13)
	case styleSipcli:
		u := event.UUID{}
		for i := 0; i < 16; i += 8 {
			v := g.r.Uint64()
			for j := range 8 {
				u[i+j] = byte(v >> (8 * j))
			}
		}
		return u.String()
	}
	return fmt.Sprintf("%016x%08x@%s", g.r.Uint64(), g.r.Uint32(), host)
}

func (g *generator) tag(st style) string {
	if st == styleSipvicious {
		// svmap's tags are the hex of ASCII digits: long and repetitive.
		return fmt.Sprintf("%x01%x", fmt.Sprint(g.r.Uint64()%1e16), fmt.Sprint(g.r.Uint64()%1e10))
	}
	return fmt.Sprintf("%08x", g.r.Uint32())
}

func (g *generator) branch(st style) string {
	if st == styleSipvicious {
		return fmt.Sprintf("z9hG4bK-%d", g.r.Uint32())
	}
	return fmt.Sprintf("z9hG4bK%012x", g.r.Uint64()>>16)
}

// destination4 is the honeypot address a probe reached: 127.0.0.1, port
// 5060 (5061 for TLS).
func destination4(tr event.Transport) netip.AddrPort {
	port := uint16(5060)
	if tr == event.TLS {
		port = 5061
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port)
}

// event fills an Event the way the SIP listener does: it parses raw and
// copies what the parser read (internal/siplisten/event.go).
func (g *generator) event(t time.Time, raw string, tr event.Transport, src, dst netip.AddrPort) *event.Event {
	m := &g.msg
	sip.Parse(raw, m)
	e := &event.Event{
		Time:         t,
		ID:           event.NewUUID(),
		NodeID:       g.nodeID,
		Collected:    event.Passive,
		Transport:    tr,
		Source:       src,
		Destination:  dst,
		Method:       m.Method,
		RequestURI:   m.RequestURI,
		CalledNumber: m.CalledNumber,
		From:         m.From,
		To:           m.To,
		CallID:       m.CallID,
		CSeq:         m.CSeq,
		UserAgent:    m.UserAgent,
		Contact:      m.Contact,
		Raw:          raw,
	}
	if len(m.Vias) > 0 {
		e.Via = m.Vias[0]
	}
	if e.CalledNumber != "" {
		e.CalledNumberNorm = sip.NormaliseNumber(e.CalledNumber)
	}
	if m.Err != nil {
		e.ParseError = m.Err.Error()
	}
	return e
}
