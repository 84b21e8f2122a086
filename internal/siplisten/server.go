// Package siplisten turns SIP traffic on UDP, TCP and TLS sockets into
// [event.Event] values, one per message, and in responsive mode sends the
// answers an [Answerer] builds.
//
// Every message becomes an event, malformed or not: scanners send junk on
// purpose. Input is hostile, so every path is bounded: message size, raw
// bytes kept, connections per source and in all, and time to send a message.
package siplisten

import (
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// Publisher takes events without blocking; [event.Bus] is one. The UDP
// listener hands over each read's events in one call, so that a flood
// costs the bus one operation per read and not one per datagram.
type Publisher interface {
	// PublishBatch returns how many of es, from the first, every sink
	// accepted.
	PublishBatch(es []*event.Event) int
}

// Answerer builds the responses to send for a message in responsive mode.
// It appends them to dst and returns it. received is the message's size:
// for UDP the answers must not exceed it unless the source proved it owns
// its address.
type Answerer interface {
	Answer(m *sip.Message, src netip.AddrPort, tr event.Transport, received int, dst [][]byte) [][]byte
}

// Prover tells whether a UDP message's source proved that it owns its
// address, by echoing a challenge sent to it.
type Prover interface {
	Proven(m *sip.Message, src netip.Addr) bool
}

// Config configures a [Server]. Zero values take the documented defaults.
type Config struct {
	NodeID event.UUID
	// Publisher receives every event. Required.
	Publisher Publisher
	// Answerer, when set, makes the server responsive; nil is silent.
	Answerer Answerer
	// Prover, when set, marks UDP events whose source echoed a challenge
	// ([event.Event].Proven).
	Prover Prover
	// RawMax caps the raw bytes kept per event. Default 4096; 0 keeps none
	// only when RawMaxSet is true.
	RawMax    int
	RawMaxSet bool
	// MaxMessage caps one message over TCP/TLS, in bytes. Default 65535.
	MaxMessage int
	// IdleTimeout is how long a stream connection may take to deliver its
	// next whole message. Default 10s.
	IdleTimeout time.Duration
	// MaxPerSource caps concurrent stream connections per source IP. Default 8.
	MaxPerSource int
	// MaxConns caps concurrent stream connections in all. Default 1024.
	MaxConns int
	// UDPReaders is the number of goroutines reading each UDP socket.
	// Default 2.
	UDPReaders int
	Logger     *slog.Logger
	// Now returns the current time; default time.Now.
	Now func() time.Time
}

// fieldMax caps each header value kept in an event, so that the memory an
// event holds is bounded even for hostile messages.
const fieldMax = 1024

// Server serves SIP sockets. It is safe for concurrent use; one Server may
// serve many sockets at once.
type Server struct {
	cfg   Config
	stats counters

	mu      sync.Mutex // guards perSrc and streams
	perSrc  map[netip.Addr]int
	streams int
}

// New returns a server for cfg. It starts nothing.
func New(cfg Config) *Server {
	if cfg.RawMax == 0 && !cfg.RawMaxSet {
		cfg.RawMax = 4096
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 65535
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 10 * time.Second
	}
	if cfg.MaxPerSource <= 0 {
		cfg.MaxPerSource = 8
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1024
	}
	if cfg.UDPReaders <= 0 {
		cfg.UDPReaders = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{cfg: cfg, perSrc: map[netip.Addr]int{}}
}

func (s *Server) collected() event.Collected {
	if s.cfg.Answerer != nil {
		return event.Responsive
	}
	return event.Passive
}
