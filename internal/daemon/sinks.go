package daemon

import (
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/metrics"
	"github.com/sentrypeer/sentrypeer/internal/probelog"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

type namedSink struct {
	name string
	sink event.Sink
	sub  *event.Subscription
}

type sinkSet struct {
	all     []namedSink
	closers []func() error
	json    *logsink.JSON
	syslog  *logsink.Syslog
}

func (s *sinkSet) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// sinks subscribes every configured sink to bus. Subscriptions are made
// before any listener starts, so no event is published to a partial set.
func (d *Daemon) sinks(bus *event.Bus, st *store.Store, m *metrics.Metrics) (*sinkSet, error) {
	cfg := &d.cfg
	set := &sinkSet{}
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
	if m != nil {
		if err := add("metrics", m.ProbeCounter(), cfg.QueueSize); err != nil {
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
