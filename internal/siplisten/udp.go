package siplisten

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// ServeUDP reads datagrams from conn until ctx is cancelled, then closes
// conn and returns nil once no reader is left. Each datagram is one event.
// When conn is bound to a wildcard address, the real destination of each
// datagram is read from IP_PKTINFO (and answers are sent from it).
func (s *Server) ServeUDP(ctx context.Context, conn *net.UDPConn) error {
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	local = unmap(local)
	wildcard := local.Addr().IsUnspecified()
	if wildcard {
		if err := enablePktinfo(conn, local.Addr().Is4()); err != nil {
			if runtime.GOOS != "windows" {
				conn.Close()
				return fmt.Errorf("siplisten: enabling packet info on %s: %w", local, err)
			}
			// Windows has no IP_PKTINFO through x/net: record the
			// wildcard; operators there should list real addresses.
			wildcard = false
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	var wg sync.WaitGroup
	errs := make(chan error, s.cfg.UDPReaders)
	for range s.cfg.UDPReaders {
		wg.Go(func() {
			if err := s.readUDP(ctx, conn, local, wildcard); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	conn.Close()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// udpBatch is how many datagrams one read may return: under a flood one
// recvmmsg(2) then serves many datagrams, where a read per datagram would
// spend most of the daemon's CPU in the kernel. (Other systems read one
// datagram per call.)
const udpBatch = 16

// datagram is one slot of a batched read: its buffers, and what the read
// put in them.
type datagram struct {
	buf, oob []byte
	n, nn    int            // bytes of buf, of oob
	src      netip.AddrPort // the zero value when the source is not IP
}

// batchReader reads into the datagram slots it was made with and returns
// how many it filled, at least one unless it fails.
type batchReader interface {
	read() (int, error)
}

func (s *Server) readUDP(ctx context.Context, conn *net.UDPConn, local netip.AddrPort, wildcard bool) error {
	ds := make([]datagram, udpBatch)
	for i := range ds {
		ds[i].buf, ds[i].oob = make([]byte, 65536), make([]byte, 128)
	}
	br, err := newBatchReader(conn, ds)
	if err != nil {
		return fmt.Errorf("siplisten: reading UDP on %s: %w", local, err)
	}
	var (
		m       sip.Message
		batch   = make([]*event.Event, 0, udpBatch)
		ids     = event.NewUUIDSource()
		answers [][]byte
		cm4     ipv4.ControlMessage
		cm6     ipv6.ControlMessage
	)
	for {
		n, err := br.read()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.stats.readErrors.Add(1)
			if isTemporary(err) {
				continue
			}
			return fmt.Errorf("siplisten: reading UDP on %s: %w", local, err)
		}
		// The datagrams of one read were all read at the same moment;
		// a clock read per datagram was 0.6 % of a flood's CPU.
		at := s.cfg.Now().UTC()
		batch = batch[:0]
		for i := range n {
			d := &ds[i]
			src := d.src
			if !src.IsValid() {
				continue
			}
			s.stats.udpPackets.Add(1)
			dst := local
			if wildcard {
				dst = packetDestination(d.oob[:d.nn], local, &cm4, &cm6)
			}
			e := s.record(d.buf[:d.n], &m, arrival{tr: event.UDP, src: src, dst: dst, at: at, id: ids.New()})
			batch = append(batch, e)
			if s.cfg.Answerer != nil {
				answers = s.cfg.Answerer.Answer(&m, e.Source, event.UDP, d.n, answers[:0])
				for _, a := range answers {
					s.sendUDP(conn, a, src, dst, wildcard)
				}
			}
		}
		s.publish(batch)
		clear(batch) // the sinks have their own references
	}
}

func (s *Server) publish(es []*event.Event) {
	if len(es) == 0 {
		return
	}
	k := s.cfg.Publisher.PublishBatch(es)
	s.stats.published.Add(uint64(k))
	if k < len(es) {
		s.stats.notPublished.Add(uint64(len(es) - k))
	}
}

func (s *Server) sendUDP(conn *net.UDPConn, b []byte, to, from netip.AddrPort, wildcard bool) {
	var oob []byte
	if wildcard && from.Addr().IsValid() && !from.Addr().IsUnspecified() {
		if from.Addr().Is4() {
			oob = (&ipv4.ControlMessage{Src: from.Addr().AsSlice()}).Marshal()
		} else {
			oob = (&ipv6.ControlMessage{Src: from.Addr().AsSlice()}).Marshal()
		}
	}
	if _, _, err := conn.WriteMsgUDPAddrPort(b, oob, to); err != nil {
		s.stats.answerErrors.Add(1)
		return
	}
	s.stats.answers.Add(1)
}

func enablePktinfo(conn *net.UDPConn, v4 bool) error {
	if v4 {
		return ipv4.NewPacketConn(conn).SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true)
	}
	return ipv6.NewPacketConn(conn).SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true)
}

// packetDestination returns the destination address carried in oob, or
// local when there is none.
func packetDestination(oob []byte, local netip.AddrPort, cm4 *ipv4.ControlMessage, cm6 *ipv6.ControlMessage) netip.AddrPort {
	if len(oob) == 0 {
		return local
	}
	var ip net.IP
	if local.Addr().Is4() {
		if cm4.Parse(oob) == nil {
			ip = cm4.Dst
		}
	} else if cm6.Parse(oob) == nil {
		ip = cm6.Dst
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return local
	}
	return netip.AddrPortFrom(a.Unmap(), local.Port())
}

func isTemporary(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
