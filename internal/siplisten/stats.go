package siplisten

import "sync/atomic"

// counters are the server's running totals; see [Stats].
type counters struct {
	udpPackets     atomic.Uint64
	streamMessages atomic.Uint64
	published      atomic.Uint64
	notPublished   atomic.Uint64
	answers        atomic.Uint64
	answerErrors   atomic.Uint64
	readErrors     atomic.Uint64
	connsAccepted  atomic.Uint64
	connsRefused   atomic.Uint64
	oversize       atomic.Uint64
	timedOut       atomic.Uint64
}

// Stats is a snapshot of a [Server]'s counters.
type Stats struct {
	UDPPackets     uint64 // datagrams read
	StreamMessages uint64 // messages read over TCP and TLS
	Published      uint64 // events every sink accepted
	NotPublished   uint64 // events at least one sink dropped (queue full)
	Answers        uint64 // responses sent in responsive mode
	AnswerErrors   uint64 // responses that could not be sent
	ReadErrors     uint64 // socket read errors other than shutdown
	ConnsAccepted  uint64 // stream connections served
	ConnsRefused   uint64 // stream connections closed at once: over a cap
	Oversize       uint64 // stream messages over the size cap (recorded, then the connection closed)
	TimedOut       uint64 // stream connections closed for being too slow
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		UDPPackets:     c.udpPackets.Load(),
		StreamMessages: c.streamMessages.Load(),
		Published:      c.published.Load(),
		NotPublished:   c.notPublished.Load(),
		Answers:        c.answers.Load(),
		AnswerErrors:   c.answerErrors.Load(),
		ReadErrors:     c.readErrors.Load(),
		ConnsAccepted:  c.connsAccepted.Load(),
		ConnsRefused:   c.connsRefused.Load(),
		Oversize:       c.oversize.Load(),
		TimedOut:       c.timedOut.Load(),
	}
}
