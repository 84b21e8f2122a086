// Package daemon wires the honeypot together: listeners publish events on a
// bus, and sinks (store, JSON log, syslog, probe log) consume them. It owns
// the start-up order and the shutdown order; the components do the work.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/config"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/nodeid"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// Info names the running program.
type Info struct {
	Name    string
	Version string
}

// sinkDrainTimeout bounds how long shutdown waits for sinks to write what
// is queued before giving up (and saying how much was not written).
const sinkDrainTimeout = 30 * time.Second

// ErrConfig marks a setting that only the daemon can check (it needs the
// data folder): start-up stops as for a bad flag, and the caller exits 2.
var ErrConfig = errors.New("configuration")

// Daemon is one running honeypot. Create it with [New], start it with
// [Daemon.Run].
type Daemon struct {
	cfg    config.Config
	info   Info
	logger *slog.Logger

	mu      sync.Mutex
	reopens []func() error
}

// New returns a daemon for cfg. It does no I/O.
func New(cfg config.Config, info Info, logger *slog.Logger) *Daemon {
	return &Daemon{cfg: cfg, info: info, logger: logger}
}

// ReopenLogs reopens log files (SIGHUP, for logrotate). Safe to call at any
// time, from any goroutine.
func (d *Daemon) ReopenLogs() {
	d.mu.Lock()
	fns := d.reopens
	d.mu.Unlock()
	for _, f := range fns {
		if err := f(); err != nil {
			d.logger.Error("reopening log file", "err", err)
		}
	}
}

func (d *Daemon) onReopen(f func() error) {
	d.mu.Lock()
	d.reopens = append(d.reopens, f)
	d.mu.Unlock()
}

// Run starts everything, blocks until ctx is cancelled or a component
// fails, then shuts down in order: listeners, bus, sinks (flushing every
// queued event), store. It returns nil after a clean shutdown.
func (d *Daemon) Run(ctx context.Context) error {
	cfg := &d.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("creating data folder: %w", err)
	}
	id, err := nodeid.LoadOrCreate(cfg.DataDir)
	if err != nil {
		return err
	}
	apiClients, err := d.apiClients(ctx)
	if err != nil {
		return err
	}
	defer apiClients.close()

	sc := store.Config{FlushInterval: cfg.FlushInterval, MaxAge: cfg.MaxAge, CacheKiB: storeCacheKiB}
	governor, plan := d.memory(sc.CacheBytes())
	if d.cfg.QueueSize <= 0 {
		d.cfg.QueueSize = plan.QueueSize
	}
	sc.BatchSize = storeBatch(d.cfg.QueueSize)
	st, err := store.Open(ctx, cfg.DBFile, sc, d.logger)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); cerr != nil {
			d.logger.Error("closing store", "err", cerr)
		}
	}()

	ms := d.meters()
	bus := event.NewBus()
	dec, err := d.decisions(ctx, st)
	if err != nil {
		return err
	}
	blockers, err := d.blockers(dec)
	if err != nil {
		return err
	}
	sinks, err := d.sinks(ctx, bus, st, id, ms, plan.IndexBytes, dec)
	if err != nil {
		return err
	}
	if governor != nil && sinks.index != nil {
		governor.TakeFromIndex(dec.Bytes)
		governor.OnIndexBudget(sinks.index.SetMaxBytes)
	}
	defer sinks.close()
	peers, err := d.peers(ctx, bus, st, sinks)
	if err != nil {
		return err
	}
	reported := apiClients.attach(st, sinks)

	lis, err := d.listeners(ctx, id, bus)
	if err != nil {
		return err
	}
	agent, err := d.sipAgent(ctx, dec)
	if err != nil {
		lis.close()
		return err
	}
	var api *apiServer
	if cfg.APIEnabled() {
		if err := ms.register(bus, st, sinks, lis, peers, blockers, agent); err != nil {
			lis.close()
			agent.closeIfAny()
			return fmt.Errorf("registering metrics: %w", err)
		}
		if api, err = d.openAPI(ctx, ms, st, sinks, peers, blockers, apiClients, reported); err != nil {
			lis.close()
			agent.closeIfAny()
			return err
		}
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Sinks get their own context: they must outlive the listeners to drain
	// the bus, and are only cut short when draining takes too long.
	sinkCtx, cancelSinks := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSinks()

	var sinkWG, lisWG, bgWG sync.WaitGroup
	for _, s := range sinks.all {
		sinkWG.Go(func() {
			if err := s.sink.Run(sinkCtx, s.sub.Queue()); err != nil {
				cancel(fmt.Errorf("%s sink: %w", s.name, err))
			}
		})
	}
	for _, l := range lis.serve {
		lisWG.Go(func() {
			if err := l(runCtx); err != nil {
				cancel(err)
			}
		})
	}
	bgWG.Go(func() {
		if err := st.RunRetention(runCtx); err != nil && runCtx.Err() == nil {
			cancel(fmt.Errorf("retention: %w", err))
		}
	})
	bgWG.Go(func() { d.reportDrops(runCtx, bus) })
	bgWG.Go(func() { apiClients.run(runCtx) })
	bgWG.Go(func() {
		if err := blockers.run(runCtx); err != nil {
			cancel(err)
		}
	})
	if governor != nil {
		bgWG.Go(func() { governor.Run(runCtx, time.Second) })
	}
	// The engine outlives the sinks, so that what they observe while
	// draining is saved too.
	decCtx, stopDecisions := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDecisions()
	var decWG sync.WaitGroup
	decWG.Go(func() {
		if err := dec.Run(decCtx); err != nil {
			d.logger.Error("saving decisions at shutdown", "err", err)
		}
	})
	if peers != nil {
		bgWG.Go(func() {
			if err := peers.run(runCtx); err != nil && runCtx.Err() == nil {
				cancel(fmt.Errorf("peer-to-peer: %w", err))
			}
		})
	}
	if agent != nil {
		lisWG.Go(func() {
			if err := agent.serve(runCtx); err != nil {
				cancel(err)
			}
		})
	}
	apiAddr := "off"
	if api != nil {
		apiAddr = api.ln.Addr().String()
		lisWG.Go(func() {
			if err := api.serve(runCtx); err != nil {
				cancel(err)
			}
		})
	}

	d.logger.Info("sentrypeer started", append([]any{
		"version", d.info.Version, "node_id", id.String(), "data_dir", cfg.DataDir, "db_file", cfg.DBFile,
		"responsive", cfg.SIPResponsive, "listening", lis.addrs, "api", apiAddr, "json_log", cfg.JSONLog, "syslog", cfg.Syslog, "webhook", sinks.webhook != nil,
		"memory_limit", plan.Limit, "go_memory_limit", plan.GoLimit, "index_budget", plan.IndexBytes, "queue_size", cfg.QueueSize},
		peers.startAttrs()...)...)

	<-runCtx.Done()
	cause := context.Cause(runCtx)
	if errors.Is(cause, context.Canceled) {
		cause = nil
	}
	d.logger.Info("shutting down", "reason", context.Cause(runCtx))

	lisWG.Wait()
	bgWG.Wait()
	bus.Close()
	drained := make(chan struct{})
	go func() { sinkWG.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(sinkDrainTimeout):
		for _, s := range bus.Stats() {
			if s.Queued > 0 {
				d.logger.Warn("sink did not drain in time; queued events not written", "sink", s.Name, "queued", s.Queued)
			}
		}
		cancelSinks()
		<-drained
	}
	stopDecisions()
	decWG.Wait()
	d.logDrops(bus, slog.LevelInfo)
	ss := st.Stats()
	d.logger.Info("stopped", "events_stored", ss.EventsStored, "events_lost", ss.EventsLost, "listener", lis.server.Stats())
	return cause
}

// reportDrops warns, at most every 10 s, when sinks have dropped events.
func (d *Daemon) reportDrops(ctx context.Context, bus *event.Bus) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	last := map[string]uint64{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, s := range bus.Stats() {
				if s.Dropped != last[s.Name] {
					d.logger.Warn("sink queue full: events dropped", "sink", s.Name, "dropped_total", s.Dropped, "queue_capacity", s.Capacity)
					last[s.Name] = s.Dropped
				}
			}
		}
	}
}

func (d *Daemon) logDrops(bus *event.Bus, level slog.Level) {
	for _, s := range bus.Stats() {
		d.logger.Log(context.Background(), level, "sink totals", "sink", s.Name, "delivered", s.Delivered, "dropped", s.Dropped)
	}
}
