package siplisten

import (
	"net/netip"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// arrival is what the listener knows of a message besides its bytes.
type arrival struct {
	tr       event.Transport
	src, dst netip.AddrPort
	at       time.Time  // when it was read, in UTC
	id       event.UUID // the event's
}

// record parses one datagram into m and returns its event, for the caller
// to publish. b is copied once; m and the event refer into that copy.
func (s *Server) record(b []byte, m *sip.Message, a arrival) *event.Event {
	msg := string(b)
	sip.Parse(msg, m)
	e := s.newEvent(msg, m, a)
	if a.tr == event.UDP && s.cfg.Prover != nil {
		e.Proven = s.cfg.Prover.Proven(m, e.Source.Addr())
	}
	return e
}

// newEvent builds the event for one message. msg is the whole message and m
// what sip.Parse read of it. When msg is longer than the raw cap, every kept
// string is copied so that the large message can be freed.
func (s *Server) newEvent(msg string, m *sip.Message, a arrival) *event.Event {
	keep := capField
	raw := msg
	truncated := false
	if len(msg) > s.cfg.RawMax {
		raw = strings.Clone(msg[:s.cfg.RawMax])
		truncated = true
		keep = func(v string) string { return strings.Clone(capField(v)) }
	}
	e := &event.Event{
		Time:         a.at,
		ID:           a.id,
		NodeID:       s.cfg.NodeID,
		Collected:    s.collected(),
		Transport:    a.tr,
		Source:       unmap(a.src),
		Destination:  unmap(a.dst),
		Method:       keep(m.Method),
		RequestURI:   keep(m.RequestURI),
		CalledNumber: keep(m.CalledNumber),
		From:         keep(m.From),
		To:           keep(m.To),
		CallID:       keep(m.CallID),
		CSeq:         keep(m.CSeq),
		UserAgent:    keep(m.UserAgent),
		Contact:      keep(m.Contact),
		Raw:          raw,
		RawTruncated: truncated,
	}
	if len(m.Vias) > 0 {
		e.Via = keep(m.Vias[0])
	}
	if e.CalledNumber != "" {
		e.CalledNumberNorm = sip.NormaliseNumber(e.CalledNumber)
	}
	if m.Err != nil {
		e.ParseError = m.Err.Error()
	}
	return e
}

func capField(v string) string {
	if len(v) > fieldMax {
		return v[:fieldMax]
	}
	return v
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
