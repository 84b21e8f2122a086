package decision

import (
	"fmt"
	"math"
	"net/netip"
	"time"
	"unsafe"
)

// A toll-fraud flood dials a new number per INVITE, so the set is often
// full (--block-max, 100,000 by default) and turns over thousands of times
// a second. Each decision is held as a slot: 64 bytes without pointers, in
// one slice the collector does not scan, named by a small id; its value
// lies in an arena of bytes and the table of ids (ids.go) finds it. About
// 100 bytes a decision in all, and nothing for the collector to mark.
type slot struct {
	since, until int64 // Unix nanoseconds
	// told is the Until subscribers were last told of: later sightings
	// extend Until on every probe, and telling blockers every time would
	// flood them.
	told       int64
	addr       [16]byte // an IP's or a network's address, 16-byte form
	prev, next uint32   // in the engine's order; 0 for none
	reporters  uint32
	voff       uint32 // the value: arena[voff:voff+vlen]
	kind       Kind
	origin     Origin
	class      uint8
	bits       uint8 // an IP's or a network's prefix length
	flags      slotFlags
	vlen       uint8 // values are at most maxValue bytes
}

// maxValue is the longest value a slot holds: a number is at most 64
// bytes (isNumber), an IPv6 network in canonical form 43.
const maxValue = 255

type slotFlags uint8

const (
	live slotFlags = 1 << iota
	is4
	// persisted: in the store, so its removal must be written.
	persisted
	// dirty: changed since it was last written.
	dirty
	// listed: in Engine.dirty, once; kept when the slot is freed, so that
	// a reused id is not listed twice.
	listed
)

// slots holds the decisions by id; id 0 is never used, so that 0 means
// none in the order's links.
type slots struct {
	s []slot
	// arena holds the values back to back. It is only appended to, and
	// compacted into a new one, never written over: a value read from it
	// stays what it was even after its decision is gone.
	arena   []byte
	garbage int // bytes of arena no slot refers to
	free    []uint32
}

func newSlots() slots { return slots{s: make([]slot, 1)} }

func (ss *slots) at(id uint32) *slot { return &ss.s[id] }

// value is id's value, a view of the arena: copy it to keep it beyond
// the engine (a view would hold the whole arena).
func (ss *slots) value(id uint32) string {
	s := &ss.s[id]
	if s.vlen == 0 {
		return ""
	}
	return unsafe.String(&ss.arena[s.voff], int(s.vlen))
}

// alloc returns a free slot holding value, which must be at most maxValue
// bytes long.
func (ss *slots) alloc(value string) uint32 {
	var id uint32
	if n := len(ss.free); n > 0 {
		id, ss.free = ss.free[n-1], ss.free[:n-1]
	} else {
		id = uint32(len(ss.s))
		ss.s = append(ss.s, slot{})
	}
	if len(value) > maxValue {
		// ParseValue and isNumber bound every value far below this.
		panic("decision: value longer than a slot holds")
	}
	if ss.garbage > 1<<16 && 2*ss.garbage > len(ss.arena) {
		ss.compact()
	}
	s := &ss.s[id]
	s.voff, s.vlen = uint32(len(ss.arena)), uint8(len(value))
	ss.arena = append(ss.arena, value...)
	return id
}

func (ss *slots) release(id uint32) {
	ss.garbage += int(ss.s[id].vlen)
	ss.s[id] = slot{flags: ss.s[id].flags & listed}
	ss.free = append(ss.free, id)
}

// compact copies the values in use into a new arena. The old one is left
// as it was, for the views still read from it.
func (ss *slots) compact() {
	arena := make([]byte, 0, len(ss.arena)-ss.garbage+len(ss.arena)/8)
	for i := range ss.s {
		s := &ss.s[i]
		if s.vlen == 0 {
			continue
		}
		off := len(arena)
		arena = append(arena, ss.arena[s.voff:s.voff+uint32(s.vlen)]...)
		s.voff = uint32(off)
	}
	ss.arena, ss.garbage = arena, 0
}

// bytes is what the slots hold, for the memory budget.
func (ss *slots) bytes() int64 {
	const slotSize = 64
	return int64(cap(ss.s))*slotSize + int64(cap(ss.arena)) + int64(cap(ss.free))*4
}

// set fills s from d, keeping its links and flags.
func (s *slot) set(d *Decision) {
	s.since, s.until = d.Since.UnixNano(), d.Until.UnixNano()
	s.kind, s.origin = d.Kind, d.Origin
	s.reporters = reporters(d.Reporters)
	s.flags &^= is4
	s.addr, s.bits = [16]byte{}, 0
	if d.Prefix.IsValid() {
		a := d.Prefix.Addr()
		if a.Is4() {
			s.flags |= is4
		}
		s.addr, s.bits = a.As16(), uint8(d.Prefix.Bits())
	}
}

// reporters is n as a slot holds it: none below 0, and bounded where int
// is 64 bits.
func reporters(n int) uint32 { return uint32(min(max(int64(n), 0), math.MaxInt32)) }

// prefix is an IP's /32 or /128, or a network; invalid for a number.
func (s *slot) prefix() netip.Prefix {
	if s.kind == Number {
		return netip.Prefix{}
	}
	a := netip.AddrFrom16(s.addr)
	if s.flags&is4 != 0 {
		a = a.Unmap()
	}
	return netip.PrefixFrom(a, int(s.bits))
}

func (s *slot) untilTime() time.Time { return time.Unix(0, s.until).UTC() }

// decision is s as the rest of the program sees it; reason is the
// operator's for a manual one.
func (s *slot) decision(value, reason string) Decision {
	if s.origin != Manual || reason == "" {
		reason = reasonFor(s.origin, int(s.reporters))
	}
	return Decision{Value: value, Kind: s.kind, Prefix: s.prefix(), Origin: s.origin, Reporters: int(s.reporters),
		Since: time.Unix(0, s.since).UTC(), Until: s.untilTime(), Reason: reason}
}

// reasonFor says where the evidence came from; the operator gives a manual
// decision's own.
func reasonFor(o Origin, reporters int) string {
	switch o {
	case Local:
		return "probed this honeypot"
	case Trusted:
		return "reported by a trusted peer"
	case Manual:
		return "blocked by the operator"
	}
	return fmt.Sprintf("reported by %d peers", reporters)
}

// BytesPerDecision is what the memory budget reserves per decision of the
// cap (TestBytesPerDecision measures it): a slot, its value and its entry
// in the table of ids, with room for the slices' growth.
const BytesPerDecision = 200
