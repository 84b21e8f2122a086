// Package bgp is the BGP remote-triggered blackhole blocker (--bgp): an
// embedded BGP speaker (github.com/osrg/gobgp/v4, as a library, no second
// process) that announces every address of the decision set as a /32 or
// /128 and every network as its prefix, with the BLACKHOLE (65535:666, RFC
// 7999) and NO_EXPORT communities, to its neighbours (the edge routers or
// a route server), which drop the traffic. Decisions of kind Number are
// ignored.
//
// # Routes
//
// Every neighbour session carries both ipv4-unicast and ipv6-unicast
// (multiprotocol, RFC 4760), so IPv6 routes also go over an IPv4 session.
// IPv4 routes carry [Config.NextHopV4] (192.0.2.1), IPv6 routes
// [Config.NextHopV6] (100::1, RFC 6666); the neighbour maps them to a
// discard route. At most [Config.MaxPrefixes] routes are announced: past
// that the strongest evidence wins ([Select]).
//
// The routes live in GoBGP's RIB: a neighbour that comes back (a
// restart, a session that timed out) gets all of them again as soon as
// its session is established. The speaker itself keeps nothing across
// restarts of the daemon: the runner's first Sync announces the set again.
//
// # Lifecycle
//
// [New] checks the configuration and starts nothing. [Blocker.Serve] runs
// the speaker until its context is done. Sync and Apply wait until the
// speaker runs (or their context ends); after Serve returned they fail
// with [ErrNotRunning].
//
// # Concurrency
//
// Sync and Apply are called from one goroutine ([block.Runner]);
// [Blocker.Held] and [Blocker.Status] may be called from any goroutine at
// any time.
package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	pkt "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

var (
	_ block.Blocker = (*Blocker)(nil)
	_ block.Holder  = (*Blocker)(nil)
)

// Blocker is the BGP speaker. Make it with [New].
type Blocker struct {
	cfg    Config
	log    *slog.Logger
	srv    *server.BgpServer
	served atomic.Bool
	ready  chan struct{} // closed when the speaker runs
	done   chan struct{} // closed when Serve returned

	attrs4, attrs6 []pkt.PathAttributeInterface

	// Owned by the Sync/Apply goroutine.
	all  map[string]netip.Prefix // decision value -> route
	refs map[netip.Prefix]int    // decisions per route

	mu        sync.Mutex
	announced map[netip.Prefix]struct{} // in the RIB
}

// New checks cfg and returns a speaker; it starts nothing. logger gets
// GoBGP's log (sessions going up and down, at Info); nil discards it.
func New(cfg Config, logger *slog.Logger) (*Blocker, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "bgp")
	b := &Blocker{
		cfg:       cfg,
		log:       logger,
		srv:       server.NewBgpServer(server.LoggerOption(logger, nil)),
		ready:     make(chan struct{}),
		done:      make(chan struct{}),
		all:       make(map[string]netip.Prefix),
		refs:      make(map[netip.Prefix]int),
		announced: make(map[netip.Prefix]struct{}),
	}
	if b.attrs4, err = cfg.attrs(cfg.NextHopV4); err != nil {
		return nil, err
	}
	if b.attrs6, err = cfg.attrs(cfg.NextHopV6); err != nil {
		return nil, err
	}
	return b, nil
}

// attrs are the path attributes of every route with next hop nh.
func (c *Config) attrs(nh netip.Addr) ([]pkt.PathAttributeInterface, error) {
	nhAttr, err := pkt.NewPathAttributeNextHop(nh)
	if err != nil {
		return nil, fmt.Errorf("bgp: next hop %s: %w", nh, err)
	}
	as := []pkt.PathAttributeInterface{
		pkt.NewPathAttributeOrigin(pkt.BGP_ORIGIN_ATTR_TYPE_IGP),
		pkt.NewPathAttributeAsPath(nil),
		nhAttr,
	}
	var cs []uint32
	for _, c := range append(append([]Community(nil), c.Communities...), c.ExtraCommunities...) {
		cs = append(cs, uint32(c))
	}
	if len(cs) > 0 {
		as = append(as, pkt.NewPathAttributeCommunities(cs))
	}
	if len(c.LargeCommunities) > 0 {
		ls := make([]*pkt.LargeCommunity, len(c.LargeCommunities))
		for i, l := range c.LargeCommunities {
			ls[i] = pkt.NewLargeCommunity(l.ASN, l.Data1, l.Data2)
		}
		as = append(as, pkt.NewPathAttributeLargeCommunities(ls))
	}
	return as, nil
}

// Name implements [block.Blocker].
func (b *Blocker) Name() string { return Name }

// Serve runs the speaker: it listens (if [Config.Listen] says so), dials
// the neighbours and keeps their sessions up until ctx is done; then it
// closes the sessions and returns nil. It returns an error if the speaker
// cannot start (the listen address is taken, say). Call it once.
func (b *Blocker) Serve(ctx context.Context) error {
	if b.served.Swap(true) {
		return errors.New("bgp: Serve called twice")
	}
	defer close(b.done)
	go b.srv.Serve()
	defer b.srv.Stop()
	g := &api.Global{Asn: b.cfg.ASN, RouterId: b.cfg.RouterID.String(), ListenPort: -1}
	if l := b.cfg.Listen; l.IsValid() {
		g.ListenPort = int32(l.Port())
		g.ListenAddresses = []string{l.Addr().String()}
	}
	if err := b.srv.StartBgp(ctx, &api.StartBgpRequest{Global: g}); err != nil {
		return fmt.Errorf("bgp: starting the speaker: %w", err)
	}
	for _, n := range b.cfg.Neighbors {
		if err := b.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: b.peer(n)}); err != nil {
			return fmt.Errorf("bgp: adding neighbour %s: %w", n.Addr, err)
		}
	}
	close(b.ready)
	<-ctx.Done()
	return nil
}

// peer is n as GoBGP takes it.
func (b *Blocker) peer(n Neighbor) *api.Peer {
	p := &api.Peer{
		Conf: &api.PeerConf{
			NeighborAddress: n.Addr.String(),
			PeerAsn:         n.ASN,
			AuthPassword:    n.Password,
		},
		Transport: &api.Transport{RemotePort: uint32(n.Port)},
		Timers: &api.Timers{Config: &api.TimersConfig{
			ConnectRetry: uint64(b.cfg.ConnectRetry.Seconds()),
		}},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Enabled: true, Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}}},
			{Config: &api.AfiSafiConfig{Enabled: true, Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}}},
		},
	}
	if n.Local.IsValid() {
		p.Transport.LocalAddress = n.Local.String()
	}
	if n.Multihop > 0 {
		p.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(n.Multihop)}
	}
	return p
}

// wait waits until the speaker runs.
func (b *Blocker) wait(ctx context.Context) error {
	select {
	case <-b.ready:
		select {
		case <-b.done:
			return ErrNotRunning
		default:
			return nil
		}
	case <-b.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sync implements [block.Blocker]: it announces the routes of ds that are
// not announced yet and withdraws the announced ones that ds does not
// want, in one update each.
func (b *Blocker) Sync(ctx context.Context, ds []decision.Decision) error {
	if err := b.wait(ctx); err != nil {
		return err
	}
	clear(b.all)
	clear(b.refs)
	for i := range ds {
		if p, ok := prefixOf(&ds[i]); ok {
			b.put(ds[i].Value, p)
		}
	}
	return b.converge(ds)
}

func (b *Blocker) put(value string, p netip.Prefix) {
	if old, ok := b.all[value]; ok {
		if old == p {
			return
		}
		b.unref(old)
	}
	b.all[value] = p
	b.refs[p]++
}

func (b *Blocker) unref(p netip.Prefix) {
	if b.refs[p]--; b.refs[p] <= 0 {
		delete(b.refs, p)
	}
}

// converge makes the RIB hold exactly the selection of ds.
func (b *Blocker) converge(ds []decision.Decision) error {
	want := Select(ds, b.cfg.MaxPrefixes)
	wanted := make(map[netip.Prefix]struct{}, len(want))
	var add, del []netip.Prefix
	b.mu.Lock()
	for _, p := range want {
		wanted[p] = struct{}{}
		if _, ok := b.announced[p]; !ok {
			add = append(add, p)
		}
	}
	for p := range b.announced {
		if _, ok := wanted[p]; !ok {
			del = append(del, p)
		}
	}
	b.mu.Unlock()
	return b.update(add, del)
}

// Apply implements [block.Blocker]. While the set fits under MaxPrefixes
// it announces and withdraws just the changed routes; past the cap it
// selects again among all the decisions it was told of.
func (b *Blocker) Apply(ctx context.Context, cs []decision.Change) error {
	if err := b.wait(ctx); err != nil {
		return err
	}
	touched := make(map[netip.Prefix]struct{}, len(cs))
	for i := range cs {
		d := &cs[i].Decision
		switch cs[i].Op {
		case decision.Added:
			if p, ok := prefixOf(d); ok {
				b.put(d.Value, p)
				touched[p] = struct{}{}
			}
		case decision.Removed:
			if p, ok := b.all[d.Value]; ok {
				delete(b.all, d.Value)
				b.unref(p)
				touched[p] = struct{}{}
			}
		}
	}
	if len(b.refs) > b.cfg.MaxPrefixes {
		return b.convergeAll()
	}
	var add, del []netip.Prefix
	b.mu.Lock()
	for p := range touched {
		_, want := b.refs[p]
		_, have := b.announced[p]
		switch {
		case want && !have:
			add = append(add, p)
		case !want && have:
			del = append(del, p)
		}
	}
	b.mu.Unlock()
	if err := b.update(add, del); err != nil {
		return err
	}
	// Routes a capped selection left out (or kept) that no change touched.
	b.mu.Lock()
	diverged := len(b.announced) != len(b.refs)
	b.mu.Unlock()
	if diverged {
		return b.convergeAll()
	}
	return nil
}

// convergeAll converges on every decision Sync and Apply were told of.
// It knows their routes only, not their evidence: the selection among
// them is the next Sync's; until then the routes already announced stay
// and the rest take the room left.
func (b *Blocker) convergeAll() error {
	var add, del []netip.Prefix
	b.mu.Lock()
	room := b.cfg.MaxPrefixes
	for p := range b.announced {
		if _, ok := b.refs[p]; !ok {
			del = append(del, p)
		} else {
			room--
		}
	}
	for p := range b.refs {
		if room <= 0 {
			break
		}
		if _, ok := b.announced[p]; !ok {
			add = append(add, p)
			room--
		}
	}
	b.mu.Unlock()
	return b.update(add, del)
}

// update withdraws del and announces add, marking them in announced as
// GoBGP takes them.
func (b *Blocker) update(add, del []netip.Prefix) error {
	if len(del) > 0 {
		paths, err := b.paths(del, true)
		if err != nil {
			return err
		}
		if err := b.srv.DeletePath(apiutil.DeletePathRequest{Paths: paths}); err != nil {
			return fmt.Errorf("bgp: withdrawing %d routes: %w", len(del), err)
		}
		b.mu.Lock()
		for _, p := range del {
			delete(b.announced, p)
		}
		b.mu.Unlock()
	}
	if len(add) > 0 {
		paths, err := b.paths(add, false)
		if err != nil {
			return err
		}
		if _, err := b.srv.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
			return fmt.Errorf("bgp: announcing %d routes: %w", len(add), err)
		}
		b.mu.Lock()
		for _, p := range add {
			b.announced[p] = struct{}{}
		}
		b.mu.Unlock()
	}
	return nil
}

// paths are the GoBGP paths of ps.
func (b *Blocker) paths(ps []netip.Prefix, withdraw bool) ([]*apiutil.Path, error) {
	out := make([]*apiutil.Path, len(ps))
	for i, p := range ps {
		nlri, err := pkt.NewIPAddrPrefix(p)
		if err != nil {
			return nil, fmt.Errorf("bgp: route %s: %w", p, err)
		}
		fam, attrs := pkt.RF_IPv4_UC, b.attrs4
		if p.Addr().Is6() {
			fam, attrs = pkt.RF_IPv6_UC, b.attrs6
		}
		out[i] = &apiutil.Path{Family: fam, Nlri: nlri, Attrs: attrs, Withdrawal: withdraw}
	}
	return out, nil
}

// Held implements [block.Holder]: the routes announced.
func (b *Blocker) Held() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.announced)
}

// Status is what the speaker is doing, for GET /api/v1/bgp and
// `sentrypeer bgp`.
type Status struct {
	ASN      uint32 `json:"asn"`
	RouterID string `json:"router_id"`
	// Running: Serve started the speaker and has not returned.
	Running bool `json:"running"`
	// Announced is the number of routes in the speaker's RIB.
	Announced int              `json:"announced"`
	Neighbors []NeighborStatus `json:"neighbors"`
}

// NeighborStatus is one neighbour's session.
type NeighborStatus struct {
	Addr netip.Addr `json:"addr"`
	Port uint16     `json:"port"`
	ASN  uint32     `json:"asn"`
	// State is the session's: idle, connect, active, opensent,
	// openconfirm, established (or stopped when the speaker is not
	// running).
	State string `json:"state"`
	// Uptime is how long the session has been established, in seconds
	// (0 unless established).
	Uptime int64 `json:"uptime_seconds"`
	// Advertised counts the routes sent to the neighbour; Received and
	// Accepted the routes it sent (a blackhole receiver sends none).
	Advertised uint64 `json:"advertised"`
	Received   uint64 `json:"received"`
	Accepted   uint64 `json:"accepted"`
	// LastDown says why the session last went down ("" if it never did).
	LastDown string `json:"last_down,omitempty"`
}

// Status reports the speaker and its sessions. It is safe to call at any
// time from any goroutine.
func (b *Blocker) Status(ctx context.Context) Status {
	s := Status{ASN: b.cfg.ASN, RouterID: b.cfg.RouterID.String(), Announced: b.Held()}
	byAddr := make(map[netip.Addr]NeighborStatus)
	if b.running() {
		s.Running = true
		_ = b.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
			if p.Conf == nil || p.State == nil {
				return
			}
			a, err := netip.ParseAddr(p.Conf.NeighborAddress)
			if err != nil {
				return
			}
			n := NeighborStatus{State: sessionState(p.State.SessionState)}
			if p.State.SessionState == api.PeerState_SESSION_STATE_ESTABLISHED && p.Timers != nil && p.Timers.State != nil && p.Timers.State.Uptime != nil {
				n.Uptime = int64(time.Since(p.Timers.State.Uptime.AsTime()).Seconds())
			}
			for _, af := range p.AfiSafis {
				if af.State != nil {
					n.Advertised += af.State.Advertised
					n.Received += af.State.Received
					n.Accepted += af.State.Accepted
				}
			}
			if r := p.State.DisconnectReason; r != api.PeerState_DISCONNECT_REASON_UNSPECIFIED {
				n.LastDown = r.String()
				if m := p.State.DisconnectMessage; m != "" {
					n.LastDown += ": " + m
				}
			}
			byAddr[a.Unmap()] = n
		})
	}
	for _, c := range b.cfg.Neighbors {
		n, ok := byAddr[c.Addr]
		if !ok {
			n.State = "stopped"
		}
		n.Addr, n.Port, n.ASN = c.Addr, c.Port, c.ASN
		s.Neighbors = append(s.Neighbors, n)
	}
	return s
}

// running reports whether the speaker runs.
func (b *Blocker) running() bool {
	select {
	case <-b.done:
		return false
	default:
	}
	select {
	case <-b.ready:
		return true
	default:
		return false
	}
}

func sessionState(s api.PeerState_SessionState) string {
	switch s {
	case api.PeerState_SESSION_STATE_IDLE:
		return "idle"
	case api.PeerState_SESSION_STATE_CONNECT:
		return "connect"
	case api.PeerState_SESSION_STATE_ACTIVE:
		return "active"
	case api.PeerState_SESSION_STATE_OPENSENT:
		return "opensent"
	case api.PeerState_SESSION_STATE_OPENCONFIRM:
		return "openconfirm"
	case api.PeerState_SESSION_STATE_ESTABLISHED:
		return "established"
	}
	return "unknown(" + strconv.Itoa(int(s)) + ")"
}
