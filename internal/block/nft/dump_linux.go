//go:build linux

package nft

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// dumpBuffer is the receive buffer of an element dump. The kernel sizes
// each part of a dump by the largest buffer recvmsg was given (up to
// 32 KiB), and restarts its walk of an interval set's tree from the first
// element for every part. nftables.Conn.GetSetElements peeks with a 4 KiB
// buffer, which makes 200,000 elements 1,600 parts and 3.5 s of kernel
// time; 64 KiB makes them 200 parts and 0.45 s.
const dumpBuffer = 64 << 10

// dumpTimeout bounds one dump when ctx has no sooner deadline.
const dumpTimeout = 30 * time.Second

// errDumpInterrupted: the set changed during the dump.
var errDumpInterrupted = errors.New("nft: element dump interrupted by a concurrent change")

// dumpElements reads every element of table inet <table> set <set>. Keys
// of a length other than keyLen come back with an invalid key. hint is the
// number of elements expected. A dump that the set's changes interrupted
// is retried.
func dumpElements(ctx context.Context, netns int, table, set string, keyLen, hint int) ([]elem, error) {
	var err error
	for range 3 {
		var es []elem
		es, err = dumpOnce(ctx, netns, table, set, keyLen, hint)
		if !errors.Is(err, errDumpInterrupted) {
			return es, err
		}
	}
	return nil, err
}

func dumpOnce(ctx context.Context, netns int, table, set string, keyLen, hint int) ([]elem, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: netns})
	if err != nil {
		return nil, fmt.Errorf("nft: netlink: %w", err)
	}
	defer c.Close()
	deadline := time.Now().Add(dumpTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: []byte(table + "\x00")},
		{Type: unix.NFTA_SET_ELEM_LIST_SET, Data: []byte(set + "\x00")},
	})
	if err != nil {
		return nil, err
	}
	req, err := c.Send(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETSETELEM),
			Flags: netlink.Request | netlink.Dump,
		},
		Data: append([]byte{unix.NFPROTO_INET, unix.NFNETLINK_V0, 0, 0}, attrs...),
	})
	if err != nil {
		return nil, fmt.Errorf("nft: asking for the elements of %s: %w", set, err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, dumpBuffer)
	out := make([]elem, 0, hint)
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			for {
				n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
				if rerr != unix.EINTR {
					return rerr != unix.EAGAIN
				}
			}
		})
		if err = errors.Join(err, rerr); err != nil {
			return nil, fmt.Errorf("nft: reading the elements of %s: %w", set, err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("nft: reading the elements of %s: %w", set, err)
		}
		for _, m := range msgs {
			if m.Header.Seq != req.Header.Sequence {
				continue
			}
			if m.Header.Flags&unix.NLM_F_DUMP_INTR != 0 {
				return nil, errDumpInterrupted
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				if len(m.Data) >= 4 {
					if e := int32(binary.NativeEndian.Uint32(m.Data)); e != 0 {
						return nil, fmt.Errorf("nft: reading the elements of %s: %w", set, syscall.Errno(-e))
					}
				}
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, fmt.Errorf("nft: reading the elements of %s: short error message", set)
				}
				if e := int32(binary.NativeEndian.Uint32(m.Data)); e != 0 {
					return nil, fmt.Errorf("nft: reading the elements of %s: %w", set, syscall.Errno(-e))
				}
				continue
			}
			if len(m.Data) < 4 {
				continue
			}
			if out, err = decodeElements(out, m.Data[4:], keyLen); err != nil {
				return nil, fmt.Errorf("nft: reading the elements of %s: %w", set, err)
			}
		}
	}
}

// decodeElements appends the elements of one NEWSETELEM message (after
// its nfgenmsg header). It walks the attributes by hand: a dump of 200,000
// elements through netlink.AttributeDecoder allocated some 240 MB.
func decodeElements(out []elem, b []byte, keyLen int) ([]elem, error) {
	var list []byte
	for a := (attrs{rest: b}); a.next(); {
		if a.typ == unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			list = a.val
		}
	}
	l := attrs{rest: list}
	for l.next() {
		if l.typ != unix.NFTA_LIST_ELEM {
			continue
		}
		var e elem
		var key []byte
		for a := (attrs{rest: l.val}); a.next(); {
			switch a.typ {
			case unix.NFTA_SET_ELEM_KEY:
				for k := (attrs{rest: a.val}); k.next(); {
					if k.typ == unix.NFTA_DATA_VALUE {
						key = k.val
					}
				}
			case unix.NFTA_SET_ELEM_FLAGS:
				if len(a.val) == 4 {
					e.end = binary.BigEndian.Uint32(a.val)&unix.NFT_SET_ELEM_INTERVAL_END != 0
				}
			case unix.NFTA_SET_ELEM_EXPIRATION:
				if len(a.val) == 8 {
					e.expires = time.Duration(binary.BigEndian.Uint64(a.val)) * time.Millisecond
				}
			}
		}
		if len(key) == keyLen {
			e.key, _ = netip.AddrFromSlice(key)
		} else {
			e.raw = append([]byte(nil), key...) // b is reused
		}
		out = append(out, e)
	}
	if l.err != nil {
		return out, l.err
	}
	return out, nil
}

// attrs iterates over the netlink attributes of a buffer.
type attrs struct {
	rest []byte
	typ  uint16 // flags masked off
	val  []byte
	err  error
}

// next moves to the next attribute; it reports false at the end or on a
// malformed attribute (then err is set).
func (a *attrs) next() bool {
	if len(a.rest) < unix.SizeofNlAttr {
		return false
	}
	n := int(binary.NativeEndian.Uint16(a.rest))
	if n < unix.SizeofNlAttr || n > len(a.rest) {
		a.err = fmt.Errorf("malformed netlink attribute (length %d of %d)", n, len(a.rest))
		return false
	}
	a.typ = binary.NativeEndian.Uint16(a.rest[2:]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
	a.val = a.rest[unix.SizeofNlAttr:n]
	a.rest = a.rest[min((n+unix.NLA_ALIGNTO-1)&^(unix.NLA_ALIGNTO-1), len(a.rest)):]
	return true
}
