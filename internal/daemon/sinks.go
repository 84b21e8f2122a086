package daemon

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/live"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/probelog"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

type namedSink struct {
	name string
	sink event.Sink
	sub  *event.Subscription
}

type sinkSet struct {
	all       []namedSink
	closers   []func() error
	json      *logsink.JSON
	syslog    *logsink.Syslog
	webhook   webhookSink  // nil without -w
	index     *index.Index // nil without the API and sharing
	indexSink *indexSink
	live      *live.Hub // nil without the API
	decisions *decision.Engine
}

func (s *sinkSet) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// sinks subscribes every configured sink to bus. Subscriptions are made
// before any listener starts, so no event is published to a partial set.
func (d *Daemon) sinks(ctx context.Context, bus *event.Bus, st *store.Store, self event.UUID, ms *meters, indexBytes int64, dec *decision.Engine) (*sinkSet, error) {
	cfg := &d.cfg
	set := &sinkSet{decisions: dec}
	add := func(name string, sink event.Sink, capacity int) error {
		sub, err := bus.Subscribe(name, capacity)
		if err != nil {
			return err
		}
		set.all = append(set.all, namedSink{name: name, sink: sink, sub: sub})
		return nil
	}
	fail := func(err error) (*sinkSet, error) {
		set.close()
		return nil, err
	}
	if err := add("store", st, cfg.QueueSize); err != nil {
		return fail(err)
	}
	if err := add("decisions", &decision.Sink{Engine: dec}, cfg.QueueSize); err != nil {
		return fail(err)
	}
	if cfg.JSONLog {
		j, err := logsink.OpenJSON(cfg.JSONLogFile, logsink.AppInfo{Name: d.info.Name, Version: d.info.Version}, d.logger)
		if err != nil {
			return fail(err)
		}
		set.json = j
		set.closers = append(set.closers, j.Close)
		d.onReopen(j.Reopen)
		if err := add("jsonlog", j, cfg.QueueSize); err != nil {
			return fail(err)
		}
	}
	if cfg.Syslog {
		network, addr, _ := strings.Cut(cfg.SyslogAddress, ":")
		s, err := logsink.OpenSyslog(logsink.SyslogConfig{Network: network, Address: addr, Tag: d.info.Name}, d.logger)
		if err != nil {
			return fail(err)
		}
		set.syslog = s
		set.closers = append(set.closers, s.Close)
		if err := add("syslog", s, cfg.QueueSize); err != nil {
			return fail(err)
		}
	}
	if w, err := d.webhook(ctx); err != nil {
		return fail(err)
	} else if w != nil {
		set.webhook = w
		set.closers = append(set.closers, w.Close)
		if err := add("webhook", w, cfg.QueueSize); err != nil {
			return fail(err)
		}
	}
	if ms != nil {
		if err := add("metrics", ms.probes(), cfg.QueueSize); err != nil {
			return fail(err)
		}
	}
	if cfg.APIEnabled() {
		// What is stored now is loaded by the index sink itself; what
		// comes later is in blocks after upTo, and reaches it by the bus.
		upTo, err := st.LastBlock(ctx)
		if err != nil {
			return fail(err)
		}
		trusted, err := trustedKeys(cfg.P2PTrust)
		if err != nil {
			return fail(err)
		}
		set.index = index.New(index.Config{MaxAge: cfg.MaxAge, MaxEvents: cfg.IndexMaxEvents, MaxBytes: indexBytes,
			Quorum: cfg.P2PQuorum, Trusted: trusted})
		set.indexSink = &indexSink{idx: set.index, st: st, upTo: upTo, logger: d.logger}
		if dec.Len() == 0 && cfg.BlockEvidence != decision.Proven {
			// A node upgraded to a version with decisions, or down for
			// longer than --block-for: what the store holds decides.
			set.indexSink.loaded = func() { seedDecisions(set.index, dec) }
		}
		if err := add("index", set.indexSink, cfg.QueueSize); err != nil {
			return fail(err)
		}
	}
	if cfg.APIEnabled() {
		set.live = live.New()
		if err := add("live", set.live, 4096); err != nil {
			return fail(err)
		}
	}
	if cfg.Verbose {
		if err := add("probelog", &probelog.Sink{Logger: d.logger.With("component", "probe")}, 1024); err != nil {
			return fail(err)
		}
	}
	return set, nil
}

// indexSink loads the index from the store, then follows the bus: events
// published while it loads wait in its queue.
type indexSink struct {
	idx    *index.Index
	st     *store.Store
	upTo   int64
	logger *slog.Logger
	// loadReports, when set, indexes peers' stored records after the
	// events: they must be in before the index is ready.
	loadReports func(context.Context) (int, error)
	// loaded, when set, runs once the index has loaded.
	loaded func()
}

func (s *indexSink) Run(ctx context.Context, events *event.Queue) error {
	start := time.Now()
	if err := s.idx.LoadWith(ctx, s.st, s.upTo, s.loadReports); err != nil {
		return err
	}
	if s.loaded != nil {
		s.loaded()
	}
	c := s.idx.Counts()
	s.logger.Info("index loaded", "events", c.Events, "ip_addresses", c.IPs, "numbers", c.Numbers, "took", time.Since(start).Round(time.Millisecond))
	return s.idx.Run(ctx, events)
}

// seedDecisions makes decisions of what the index enforces, as of each
// value's last sighting: once, at start-up, when the set is empty.
func seedDecisions(idx *index.Index, dec *decision.Engine) {
	for _, e := range idx.AllIPs() {
		if ip, err := netip.ParseAddr(e.Key); err == nil && e.Enforce {
			dec.Observe(decision.Evidence{IP: ip, Origin: originOf(e.Sources, e.Trusted), Reporters: e.Reporters, Proven: e.Sources&index.Local == 0, At: e.Last})
		}
	}
	for _, e := range idx.AllNumbers() {
		if e.Enforce {
			dec.Observe(decision.Evidence{Number: e.Key, Origin: originOf(e.Sources, e.Trusted), Reporters: e.Reporters, Proven: e.Sources&index.Local == 0, At: e.Last})
		}
	}
}

// originOf is the origin of what the index enforces: this node's own
// sighting first, then a trusted peer's report, else a quorum of peers.
func originOf(sources index.Source, trusted bool) decision.Origin {
	switch {
	case sources&index.Local != 0:
		return decision.Local
	case trusted:
		return decision.Trusted
	}
	return decision.Peers
}
