package siplisten

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// ServeStream accepts connections on ln (TCP, or TLS when tr is event.TLS
// and ln comes from tls.NewListener) until ctx is cancelled. Then it closes
// ln and every connection it holds, and returns nil once none is left.
func (s *Server) ServeStream(ctx context.Context, ln net.Listener, tr event.Transport) error {
	var wg sync.WaitGroup
	conns := map[net.Conn]struct{}{}
	var mu sync.Mutex
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	defer wg.Wait()

	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors and the like: back off, as net/http does.
			s.stats.readErrors.Add(1)
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		delay = 0
		src := addrPortOf(c.RemoteAddr())
		if !s.admit(src.Addr()) {
			s.stats.connsRefused.Add(1)
			c.Close()
			continue
		}
		s.stats.connsAccepted.Add(1)
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			c.Close()
			s.release(src.Addr())
			return nil
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
				s.release(src.Addr())
			}()
			s.serveConn(c, tr, src)
		})
	}
}

// admit counts a new connection from ip against the caps.
func (s *Server) admit(ip netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams >= s.cfg.MaxConns || s.perSrc[ip] >= s.cfg.MaxPerSource {
		return false
	}
	s.streams++
	s.perSrc[ip]++
	return true
}

func (s *Server) release(ip netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams--
	if s.perSrc[ip]--; s.perSrc[ip] <= 0 {
		delete(s.perSrc, ip)
	}
}

// serveConn reads messages until the peer closes, is too slow, or sends
// something over the size cap. Whatever arrived is recorded, even a
// partial message.
func (s *Server) serveConn(c net.Conn, tr event.Transport, src netip.AddrPort) {
	dst := addrPortOf(c.LocalAddr())
	if tc, ok := c.(*tls.Conn); ok {
		c.SetDeadline(time.Now().Add(s.cfg.IdleTimeout))
		if err := tc.Handshake(); err != nil {
			s.stats.timedOut.Add(1)
			return
		}
	}
	r := bufio.NewReaderSize(c, 4096)
	fr := framer{r: r, max: s.cfg.MaxMessage}
	var (
		m       sip.Message
		answers [][]byte
	)
	for {
		// One deadline per message, not per read: a client trickling a
		// byte at a time still has to finish within IdleTimeout.
		c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		b, err := fr.next()
		if len(b) > 0 {
			s.stats.streamMessages.Add(1)
			msg := string(b)
			sip.Parse(msg, &m)
			if err != nil {
				// The stream's own fault explains more than what the
				// parser makes of the fragment.
				m.Err = fmt.Errorf("sip: %w", err)
			}
			e := s.newEvent(msg, &m, arrival{tr: tr, src: src, dst: dst, at: s.cfg.Now().UTC(), id: event.NewUUID()})
			s.publish([]*event.Event{e})
			if err == nil && s.cfg.Answerer != nil {
				answers = s.cfg.Answerer.Answer(&m, e.Source, tr, len(b), answers[:0])
				c.SetWriteDeadline(time.Now().Add(s.cfg.IdleTimeout))
				for _, a := range answers {
					if _, werr := c.Write(a); werr != nil {
						s.stats.answerErrors.Add(1)
						return
					}
					s.stats.answers.Add(1)
				}
			}
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, errOversize):
			s.stats.oversize.Add(1)
		case isTemporary(err):
			s.stats.timedOut.Add(1)
		}
		return
	}
}

func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return unmap(a.AddrPort())
	case *net.UDPAddr:
		return unmap(a.AddrPort())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return unmap(ap)
}
