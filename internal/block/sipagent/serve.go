package sipagent

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// udpReaders is how many goroutines read one UDP socket: two keep both
// cores busy while one of them is in a system call.
const udpReaders = 2

// udpReadBuffer is the receive buffer Serve asks for. A proxy's INVITEs
// come in bursts (a busy proxy, or one that sends calls in batches, as
// sipp does on its 4 ms clock), and the kernel drops whatever does not fit
// while both readers are busy: with Linux's default of 208 KiB, about 160
// INVITEs. A dropped INVITE costs the caller a retransmission timer
// (500 ms) before the call goes on. 4 MiB holds a few thousand; the memory
// is the kernel's and used only while datagrams wait.
const udpReadBuffer = 4 << 20

// writeTimeout bounds a stream write.
const writeTimeout = 5 * time.Second

// Serve answers requests arriving on pc, each response sent to the
// datagram's source address (as RFC 3581 rport would, and what a proxy on
// the same host expects). It blocks until ctx is done and then returns nil,
// or returns the first read error. It does not close pc; it uses pc's read
// deadline to stop, and clears it when it starts. When pc is a
// *net.UDPConn, it grows its receive buffer to 4 MiB (past
// net.core.rmem_max on Linux when the process has CAP_NET_ADMIN, else up
// to it); it never shrinks one the caller made larger.
func (a *Agent) Serve(ctx context.Context, pc net.PacketConn) error {
	if err := pc.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	if udp, ok := pc.(*net.UDPConn); ok {
		growReadBuffer(udp, udpReadBuffer)
	}
	stop := context.AfterFunc(ctx, func() { pc.SetReadDeadline(time.Now()) })
	defer stop()

	errs := make(chan error, udpReaders)
	for range udpReaders {
		go func() { errs <- a.readUDP(ctx, pc) }()
	}
	var first error
	for range udpReaders {
		if err := <-errs; err != nil && first == nil {
			first = err
			pc.SetReadDeadline(time.Now()) // stop the other reader
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return first
}

func (a *Agent) readUDP(ctx context.Context, pc net.PacketConn) error {
	w := newWorker()
	buf := make([]byte, MaxMessage)
	udp, _ := pc.(*net.UDPConn)
	for {
		var (
			n    int
			from netip.AddrPort
			addr net.Addr
			err  error
		)
		if udp != nil {
			n, from, err = udp.ReadFromUDPAddrPort(buf)
		} else {
			n, addr, err = pc.ReadFrom(buf)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.stats.errors.Add(1)
			return err
		}
		if n == 0 {
			continue
		}
		// A view, not a copy: nothing from it outlives handle.
		resp := a.handle(w, unsafe.String(&buf[0], n))
		if resp == nil {
			continue
		}
		if len(resp) > MaxMessage {
			a.stats.errors.Add(1)
			continue
		}
		if udp != nil {
			_, err = udp.WriteToUDPAddrPort(resp, from)
		} else {
			_, err = pc.WriteTo(resp, addr)
		}
		if err != nil {
			a.stats.errors.Add(1)
		}
	}
}

// ServeStream answers requests on connections accepted from ln (TCP),
// framed by Content-Length; a message without one has no body. At most
// Config.MaxConns connections are served at once (more are closed at
// once); a connection that sends no whole message for Config.IdleTimeout,
// or one larger than [MaxMessage], is closed. A double-CRLF ping gets a
// CRLF pong (RFC 5626 4.4.1).
//
// It blocks until ctx is done, then closes the connections it accepted,
// waits for their goroutines and returns nil; or it returns the first
// accept error. It does not close ln, but uses its deadline to stop when
// ln has one (*net.TCPListener does), and closes it otherwise.
func (a *Agent) ServeStream(ctx context.Context, ln net.Listener) error {
	type deadliner interface{ SetDeadline(time.Time) error }
	dl, hasDeadline := ln.(deadliner)
	if hasDeadline {
		if err := dl.SetDeadline(time.Time{}); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() {
		if hasDeadline {
			dl.SetDeadline(time.Now())
		} else {
			ln.Close()
		}
	})
	defer stop()

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = make(map[net.Conn]struct{})
	)
	defer func() {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue // e.g. a stale deadline; ctx decides when to stop
			}
			a.stats.errors.Add(1)
			return err
		}
		mu.Lock()
		if len(conns) >= a.cfg.MaxConns {
			mu.Unlock()
			a.stats.refused.Add(1)
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		a.stats.accepted.Add(1)
		wg.Go(func() {
			a.serveConn(c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		})
	}
}

// serveConn reads messages from c until it fails, idles or oversteps.
func (a *Agent) serveConn(c net.Conn) {
	r := bufio.NewReaderSize(c, 4096)
	w := newWorker()
	buf := make([]byte, 0, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(a.cfg.IdleTimeout))
		msg, ping, err := readMessage(r, buf[:0], &w.m)
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				a.stats.timedOut.Add(1)
			case errors.Is(err, errOversize):
				a.stats.oversize.Add(1)
			case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, os.ErrDeadlineExceeded):
			default:
				a.stats.errors.Add(1)
			}
			return
		}
		buf = msg[:0]
		var resp []byte
		if ping {
			resp = []byte("\r\n")
		} else if len(msg) > 0 {
			resp = a.handle(w, unsafe.String(&msg[0], len(msg)))
		}
		if resp == nil {
			continue
		}
		c.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := c.Write(resp); err != nil {
			a.stats.errors.Add(1)
			return
		}
	}
}

var errOversize = errors.New("sipagent: message too large")

// readMessage reads one message into buf: leading line breaks (a
// double CRLF is a ping), the header lines up to the blank line, then
// Content-Length bytes of body.
// m is scratch space.
func readMessage(r *bufio.Reader, buf []byte, m *sip.Message) (msg []byte, ping bool, err error) {
	crlf := 0
	for {
		c, err := r.ReadByte()
		if err != nil {
			return nil, false, err
		}
		if c == '\r' || c == '\n' {
			if crlf++; crlf == 4 {
				return nil, true, nil
			}
			continue
		}
		r.UnreadByte()
		break
	}
	for {
		line, err := r.ReadSlice('\n')
		if len(buf)+len(line) > MaxMessage {
			return nil, false, errOversize
		}
		buf = append(buf, line...)
		if err == bufio.ErrBufferFull {
			continue // a long line: keep reading it
		}
		if err != nil {
			return nil, false, err
		}
		if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
			break // the blank line
		}
	}
	sip.Parse(unsafe.String(&buf[0], len(buf)), m)
	if n := m.ContentLength; n > 0 {
		if len(buf)+n > MaxMessage {
			return nil, false, errOversize
		}
		start := len(buf)
		buf = append(buf, make([]byte, n)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, false, err
		}
	}
	return buf, false, nil
}
