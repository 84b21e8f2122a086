//go:build !lite

package daemon

import (
	"errors"
	"net/http"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/metrics"
	"github.com/sentrypeer/sentrypeer/internal/siplisten"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// meters are the Prometheus counters of every component, served at
// /metrics by the API. Lite builds leave Prometheus out (meters_lite.go).
type meters struct{ m *metrics.Metrics }

// meters returns the daemon's meters; nil without the API, which serves
// them.
func (d *Daemon) meters() *meters {
	if !d.cfg.APIEnabled() {
		return nil
	}
	return &meters{m: metrics.New()}
}

// probes is the sink that counts probes by method and transport.
func (ms *meters) probes() event.Sink { return ms.m.ProbeCounter() }

// api returns the handler of /metrics and the wrapper that counts and
// times every API request.
func (ms *meters) api() (http.Handler, func(route string, h http.Handler) http.Handler) {
	return ms.m.Handler(), ms.m.Instrument
}

// register exports every component's counters.
func (ms *meters) register(bus *event.Bus, st *store.Store, sinks *sinkSet, lis *listenerSet, peers *peerSet, blockers *blockerSet, agent *sipAgent) error {
	m := ms.m
	errs := []error{m.RegisterBus(bus), m.RegisterStore(st), m.RegisterListener(lis.server), m.RegisterDecisions(sinks.decisions),
		m.RegisterBlockers(blockers, blockers.drops())}
	if lis.responder != nil {
		errs = append(errs, m.RegisterResponder(lis.responder))
	}
	if agent != nil {
		errs = append(errs, m.RegisterSIPAgent(agent.agent))
	}
	if b, ok := blockers.bgp.(metrics.BGPStats); ok {
		errs = append(errs, m.RegisterBGP(b))
	}
	if sinks.json != nil {
		errs = append(errs, m.RegisterJSONLog(sinks.json))
	}
	if sinks.syslog != nil {
		errs = append(errs, m.RegisterSyslog(sinks.syslog))
	}
	if sinks.webhook != nil {
		errs = append(errs, m.RegisterWebhook(sinks.webhook))
	}
	if sinks.index != nil {
		errs = append(errs, m.RegisterIndex(sinks.index))
	}
	if sinks.live != nil {
		errs = append(errs, m.RegisterLive(sinks.live))
	}
	if peers != nil {
		errs = append(errs, m.RegisterP2P(peers.node), m.RegisterShare(peers.agg))
	}
	return errors.Join(errs...)
}

// drops reads the nftables chain's counters; nil without --nft or with
// --nft-sets-only (the operator's rules count then).
func (s *blockerSet) drops() metrics.DropCounter {
	if s.nft == nil || !s.nftOwnsRules {
		return nil
	}
	return func() (map[string]uint64, error) {
		d, err := s.nft.Dropped()
		if err != nil {
			return nil, err
		}
		return map[string]uint64{"ipv4": d.IPv4.Packets, "ipv6": d.IPv6.Packets}, nil
	}
}

var _ metrics.ListenerStats = (*siplisten.Server)(nil)
