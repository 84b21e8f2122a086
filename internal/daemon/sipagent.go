package daemon

import (
	"context"
	"fmt"
	"net"

	"github.com/sentrypeer/sentrypeer/internal/block/sipagent"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// sipAgent is the SIP agent with its sockets, bound at start-up so that a
// busy address stops the daemon instead of leaving the proxy unanswered.
type sipAgent struct {
	agent *sipagent.Agent
	pc    net.PacketConn
	ln    net.Listener
}

// sipAgent opens the SIP agent when --sip-agent-listen is set; nil
// otherwise.
func (d *Daemon) sipAgent(ctx context.Context, dec *decision.Engine) (*sipAgent, error) {
	cfg := &d.cfg
	if !cfg.SIPAgentListen.IsValid() {
		return nil, nil
	}
	a, err := sipagent.New(sipagent.Config{Destination: cfg.SIPAgentDestination, Reject: cfg.SIPAgentReject,
		SourceHeader: cfg.SIPAgentSourceHeader, Debug: cfg.Debug, Logger: d.logger.With("component", "sip-agent")}, dec)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	addr := cfg.SIPAgentListen.String()
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for the SIP agent on udp %s: %w", addr, err)
	}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("listening for the SIP agent on tcp %s: %w", addr, err)
	}
	return &sipAgent{agent: a, pc: pc, ln: ln}, nil
}

// serve answers over UDP and TCP until ctx is done, then closes the
// sockets.
func (s *sipAgent) serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- s.agent.Serve(ctx, s.pc) }()
	go func() { errc <- s.agent.ServeStream(ctx, s.ln) }()
	err := <-errc
	if err != nil && ctx.Err() == nil {
		// One side failed: stop the other too.
		s.pc.Close()
		s.ln.Close()
	}
	err2 := <-errc
	s.pc.Close()
	s.ln.Close()
	if err == nil {
		err = err2
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("SIP agent: %w", err)
	}
	return nil
}

// closeIfAny closes the sockets of an agent that will not be served.
func (s *sipAgent) closeIfAny() {
	if s != nil {
		s.pc.Close()
		s.ln.Close()
	}
}
