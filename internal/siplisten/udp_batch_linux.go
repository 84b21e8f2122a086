//go:build linux

package siplisten

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgReader reads datagrams with recvmmsg(2) into the slots it was made
// with, their sources decoded straight into netip.AddrPort. x/net's
// ReadBatch, which it replaces, allocated a *net.UDPAddr and its IP for
// every datagram and repacked its headers on every call.
type mmsgReader struct {
	rc    syscall.RawConn
	ds    []datagram
	hs    []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6 // room for either family
	zones map[uint32]string       // interface names by index, for link-local sources
	recv  func(fd uintptr) bool   // r.recvmmsg, made once: a closure per read would allocate
	n     int
	errno syscall.Errno
}

func newBatchReader(conn *net.UDPConn, ds []datagram) (batchReader, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	r := &mmsgReader{
		rc:    rc,
		ds:    ds,
		hs:    make([]unix.Mmsghdr, len(ds)),
		iovs:  make([]unix.Iovec, len(ds)),
		names: make([]unix.RawSockaddrInet6, len(ds)),
		zones: make(map[uint32]string),
	}
	for i := range ds {
		if len(ds[i].buf) == 0 || len(ds[i].oob) == 0 {
			return nil, errors.New("siplisten: a datagram slot without a buffer")
		}
		r.iovs[i].Base = &ds[i].buf[0]
		r.iovs[i].SetLen(len(ds[i].buf))
		h := &r.hs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
		h.Control = &ds[i].oob[0]
	}
	r.recv = r.recvmmsg
	return r, nil
}

func (r *mmsgReader) read() (int, error) {
	if err := r.rc.Read(r.recv); err != nil {
		return 0, err
	}
	if r.errno != 0 {
		return 0, os.NewSyscallError("recvmmsg", r.errno)
	}
	for i := range r.n {
		h, d := &r.hs[i], &r.ds[i]
		d.n, d.nn = int(h.Len), int(h.Hdr.Controllen)
		d.src = r.source(&r.names[i])
	}
	return r.n, nil
}

// recvmmsg is called by the poller until it returns true; false means
// nothing is queued yet.
func (r *mmsgReader) recvmmsg(fd uintptr) bool {
	for i := range r.hs {
		h := &r.hs[i].Hdr
		h.Namelen = unix.SizeofSockaddrInet6
		h.SetControllen(len(r.ds[i].oob))
		h.Flags = 0
	}
	for {
		n, _, e := syscall.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hs[0])), uintptr(len(r.hs)),
			unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		r.n, r.errno = int(n), e
		return true
	}
}

// source decodes a source address the kernel wrote; the zero AddrPort for
// a family other than IPv4 and IPv6.
func (r *mmsgReader) source(sa *unix.RawSockaddrInet6) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port(&sa4.Port))
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(r.zone(sa.Scope_id))
		}
		return netip.AddrPortFrom(a, port(&sa.Port))
	}
	return netip.AddrPort{}
}

// zone names interface index i as the net package does. The kernel sets
// the index to the receiving interface, so the cache holds at most one
// entry per interface.
func (r *mmsgReader) zone(i uint32) string {
	if z, ok := r.zones[i]; ok {
		return z
	}
	z := strconv.FormatUint(uint64(i), 10)
	if ifi, err := net.InterfaceByIndex(int(i)); err == nil {
		z = ifi.Name
	}
	r.zones[i] = z
	return z
}

// port reads a port stored in network byte order.
func port(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
