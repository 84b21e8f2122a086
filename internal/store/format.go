package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// formatV1 is the record format of blocks.format = 1. A block's data is the
// s2 block encoding ([s2.Encode]) of its events' records, oldest first,
// back to back, with no header: the blocks row holds first_time, last_time
// and the event count. One record is
//
//	uvarint  time − previous event's time, ns (the first: − first_time)
//	[16]byte event ID
//	[16]byte node ID
//	byte     collected
//	byte     transport
//	addr     source
//	addr     destination
//	string   ×13, in the order of recordStrings
//	byte     flags: bit 0 raw truncated, others 0
//
//	addr   = byte family (0 none, 4 IPv4, 6 IPv6, 7 IPv6 with zone),
//	         then 0/4/16 address bytes, for 7 a string zone,
//	         then a 2-byte big-endian port (kept without an address too)
//	string = uvarint length, bytes (any bytes, kept exactly)
//
// Records are row-wise on purpose: consecutive probes repeat each other
// field by field, which is what an LZ compressor finds cheapest.
const formatV1 = 1

// Field numbers of the strings of a record, in their order.
const (
	strMethod = iota
	strRequestURI
	strCalledNumber
	strCalledNumberNorm
	strFrom
	strTo
	strCallID
	strCSeq
	strUserAgent
	strContact
	strVia
	strRaw
	strParseError
	nStrings
)

// recordStrings returns e's string fields in record order.
func recordStrings(e *event.Event) [nStrings]string {
	return [nStrings]string{
		e.Method, e.RequestURI, e.CalledNumber, e.CalledNumberNorm,
		e.From, e.To, e.CallID, e.CSeq, e.UserAgent, e.Contact, e.Via,
		e.Raw, e.ParseError,
	}
}

// Address families of a record.
const (
	famNone     = 0
	famIPv4     = 4
	famIPv6     = 6
	famIPv6Zone = 7
)

const flagRawTruncated = 1

// minRecordBytes is the size of the smallest possible record; it bounds how
// many records a payload of a given size can claim to hold.
const minRecordBytes = 1 + 16 + 16 + 1 + 1 + 3 + 3 + nStrings + 1

// maxRecordBytes bounds the record of e from above, for splitting batches
// into blocks before encoding.
func maxRecordBytes(e *event.Event) int {
	n := binary.MaxVarintLen64 + 16 + 16 + 1 + 1 + 2*(1+16+2+binary.MaxVarintLen64) + 1
	n += len(e.Source.Addr().Zone()) + len(e.Destination.Addr().Zone())
	for _, s := range recordStrings(e) {
		n += binary.MaxVarintLen64 + len(s)
	}
	return n
}

// appendRecord appends e's record to b. prev is the time of the previous
// event of the block (first_time for the first); e.Time must not be before
// it.
func appendRecord(b []byte, e *event.Event, prev int64) []byte {
	b = binary.AppendUvarint(b, uint64(e.Time.UnixNano())-uint64(prev))
	b = append(b, e.ID[:]...)
	b = append(b, e.NodeID[:]...)
	b = append(b, byte(e.Collected), byte(e.Transport))
	b = appendAddr(b, e.Source)
	b = appendAddr(b, e.Destination)
	for _, s := range recordStrings(e) {
		b = appendString(b, s)
	}
	var flags byte
	if e.RawTruncated {
		flags |= flagRawTruncated
	}
	return append(b, flags)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendAddr(b []byte, ap netip.AddrPort) []byte {
	a := ap.Addr()
	switch {
	case !a.IsValid():
		b = append(b, famNone)
	case a.Is4():
		a4 := a.As4()
		b = append(b, famIPv4)
		b = append(b, a4[:]...)
	case a.Zone() == "":
		a16 := a.As16()
		b = append(b, famIPv6)
		b = append(b, a16[:]...)
	default:
		a16 := a.As16()
		b = append(b, famIPv6Zone)
		b = append(b, a16[:]...)
		b = appendString(b, a.Zone())
	}
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

// unixTime is the inverse of time.Time.UnixNano, in UTC.
func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("corrupt block")

// span locates a string in a block's payload.
type span struct{ off, end int32 }

// recordView is one parsed record; its strings are spans of the payload.
type recordView struct {
	time         int64
	id, node     event.UUID
	collected    event.Collected
	transport    event.Transport
	source, dest netip.AddrPort
	str          [nStrings]span
	rawTruncated bool
}

// recordReader parses records of one payload. It never panics: every
// length is checked against what is left. Field names are only joined into
// a message on failure: this is the read path's inner loop.
type recordReader struct {
	p   []byte
	pos int
	err error
}

func (r *recordReader) fail(field, problem string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s %s at byte %d", errCorrupt, field, problem, r.pos)
	}
}

func (r *recordReader) uvarint(field string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p[r.pos:])
	if n <= 0 {
		r.fail(field, "is a bad varint")
		return 0
	}
	r.pos += n
	return v
}

func (r *recordReader) bytes(n int, field string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.p)-r.pos {
		r.fail(field, "goes beyond the end")
		return nil
	}
	b := r.p[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *recordReader) byte1(field string) byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= len(r.p) {
		r.fail(field, "goes beyond the end")
		return 0
	}
	r.pos++
	return r.p[r.pos-1]
}

func (r *recordReader) span(field string) span {
	n := r.uvarint(field)
	if r.err != nil {
		return span{}
	}
	if n > uint64(len(r.p)-r.pos) {
		r.fail(field, "goes beyond the end")
		return span{}
	}
	s := span{off: int32(r.pos), end: int32(r.pos) + int32(n)}
	r.pos += int(n)
	return s
}

func (r *recordReader) addr(field string) netip.AddrPort {
	var a netip.Addr
	switch fam := r.byte1(field); fam {
	case famNone:
	case famIPv4:
		if b := r.bytes(4, field); b != nil {
			a = netip.AddrFrom4([4]byte(b))
		}
	case famIPv6, famIPv6Zone:
		if b := r.bytes(16, field); b != nil {
			a = netip.AddrFrom16([16]byte(b))
		}
		if fam == famIPv6Zone {
			z := r.span(field)
			if r.err == nil && z.end == z.off {
				r.fail(field, "has an empty zone")
			}
			if r.err == nil {
				a = a.WithZone(string(r.p[z.off:z.end]))
			}
		}
	default:
		r.fail(field, fmt.Sprintf("has family %d", fam))
	}
	b := r.bytes(2, field)
	if b == nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, binary.BigEndian.Uint16(b))
}

// stringName names string field f of a record in errors.
func stringName(f int) string {
	switch f {
	case strMethod:
		return "method"
	case strRequestURI:
		return "request URI"
	case strCalledNumber:
		return "called number"
	case strCalledNumberNorm:
		return "normalised called number"
	case strRaw:
		return "raw"
	case strParseError:
		return "parse error"
	}
	return "header" // From, To, Call-ID, CSeq, User-Agent, Contact, Via
}

// next parses the record at r.pos, whose predecessor has time prev, into v.
// last bounds the time from above.
func (r *recordReader) next(v *recordView, prev, last int64) {
	d := r.uvarint("time")
	if r.err == nil && d > uint64(last)-uint64(prev) {
		r.fail("time", "is after the block's last_time")
	}
	v.time = int64(uint64(prev) + d)
	if b := r.bytes(32, "uuids"); b != nil {
		v.id = event.UUID(b[:16])
		v.node = event.UUID(b[16:])
	}
	v.collected = event.Collected(r.byte1("collected"))
	v.transport = event.Transport(r.byte1("transport"))
	v.source = r.addr("source")
	v.dest = r.addr("destination")
	for i := range v.str {
		v.str[i] = r.span(stringName(i))
	}
	flags := r.byte1("flags")
	if flags&^flagRawTruncated != 0 {
		r.fail("flags", "has unknown bits")
	}
	v.rawTruncated = flags&flagRawTruncated != 0
}
