package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"runtime"
	"syscall"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/responder"
	"github.com/sentrypeer/sentrypeer/internal/siplisten"
	"github.com/sentrypeer/sentrypeer/internal/tlsconf"
)

type listenerSet struct {
	server    *siplisten.Server
	responder *responder.Responder // nil when silent
	serve     []func(context.Context) error
	addrs     []string
	closers   []func() error
}

// close closes every socket; for start-up failures after listeners opened.
func (l *listenerSet) close() {
	for _, c := range l.closers {
		c()
	}
}

// listeners opens every SIP socket before any is served, so that a bad
// address stops start-up instead of leaving a half-listening honeypot.
func (d *Daemon) listeners(ctx context.Context, id event.UUID, bus *event.Bus) (*listenerSet, error) {
	cfg := &d.cfg
	scfg := siplisten.Config{
		NodeID:       id,
		Publisher:    bus,
		RawMax:       cfg.SIPRawMax,
		RawMaxSet:    true,
		MaxMessage:   cfg.SIPMaxMessage,
		IdleTimeout:  cfg.TCPIdleTimeout,
		MaxPerSource: cfg.TCPMaxPerSource,
		MaxConns:     cfg.TCPMaxConns,
		UDPReaders:   runtime.GOMAXPROCS(0),
		Logger:       d.logger.With("component", "siplisten"),
	}
	var r *responder.Responder
	if cfg.SIPResponsive {
		r = responder.New(responder.Config{Server: cfg.SIPServer})
		scfg.Answerer = r
		scfg.Prover = r
	}
	set := &listenerSet{server: siplisten.New(scfg), responder: r}
	if cfg.SIPDisable {
		d.logger.Warn("SIP is disabled (-R): nothing will be recorded")
		return set, nil
	}
	var closers []func() error
	fail := func(err error) (*listenerSet, error) {
		for _, c := range closers {
			c()
		}
		return nil, err
	}
	srv := set.server
	for _, ap := range cfg.SIPListen {
		uc, err := siplisten.ListenUDP(ctx, ap)
		if err != nil {
			if cfg.SIPListenDefault && unavailable(err) {
				d.logger.Warn("skipping default listen address this host cannot bind", "address", ap.String(), "err", err)
				continue
			}
			return fail(err)
		}
		closers = append(closers, uc.Close)
		tl, err := siplisten.ListenTCP(ctx, ap)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, tl.Close)
		set.serve = append(set.serve,
			func(ctx context.Context) error { return srv.ServeUDP(ctx, uc) },
			func(ctx context.Context) error { return srv.ServeStream(ctx, tl, event.TCP) })
		set.addrs = append(set.addrs, "udp:"+uc.LocalAddr().String(), "tcp:"+tl.Addr().String())
	}
	if cfg.TLSEnabled() {
		tc, err := d.tlsConfig()
		if err != nil {
			return fail(err)
		}
		tl, err := siplisten.ListenTCP(ctx, cfg.TLSListen)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, tl.Close)
		set.serve = append(set.serve, func(ctx context.Context) error {
			return srv.ServeStream(ctx, tls.NewListener(tl, tc), event.TLS)
		})
		set.addrs = append(set.addrs, "tls:"+tl.Addr().String())
	}
	if len(set.serve) == 0 {
		return fail(errors.New("no SIP listen address could be bound"))
	}
	set.closers = closers
	return set, nil
}

func (d *Daemon) tlsConfig() (*tls.Config, error) {
	if d.cfg.TLSSelfSigned {
		return selfSigned(d.cfg.DataDir)
	}
	return tlsconf.FromFiles(d.cfg.TLSCert, d.cfg.TLSKey)
}

// unavailable reports errors that mean "this host has no such address
// family or address", as on hosts without IPv6.
func unavailable(err error) bool {
	return errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EPROTONOSUPPORT)
}

// Compile-time check that the bus is a publisher for the listeners.
var _ siplisten.Publisher = (*event.Bus)(nil)
