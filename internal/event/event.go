// Package event defines the probe [Event] that flows from the SIP listeners to
// every sink (store, logs, peers, blockers), and the [Bus] that carries it.
//
// The package is a leaf: it imports only the standard library, so every
// producer and consumer can depend on it without cycles.
package event

import (
	"net/netip"
	"time"
)

// Transport is the transport a probe arrived on.
type Transport uint8

// Transports, in the spelling the original SentryPeer logs ("UDP", "TCP", "TLS").
const (
	UDP Transport = iota + 1
	TCP
	TLS
)

func (t Transport) String() string {
	switch t {
	case UDP:
		return "UDP"
	case TCP:
		return "TCP"
	case TLS:
		return "TLS"
	}
	return "unknown"
}

// Collected says how a probe was collected: "passive" when the honeypot stays
// silent, "responsive" when it answers (the original's collected_method).
type Collected uint8

const (
	Passive Collected = iota + 1
	Responsive
)

func (c Collected) String() string {
	switch c {
	case Passive:
		return "passive"
	case Responsive:
		return "responsive"
	}
	return "unknown"
}

// Event is one SIP probe as received. It is immutable once published on a
// [Bus]: sinks share the same *Event and must not modify it.
//
// String fields hold what the sender sent, capped in length by the listener;
// they may contain any bytes, including invalid UTF-8.
type Event struct {
	// Time is when the message was read, in UTC.
	Time time.Time
	// ID is a random (version 4) UUID naming this event.
	ID UUID
	// NodeID is the UUID of the node that saw the probe, stable across restarts.
	NodeID    UUID
	Collected Collected
	// Proven: the source echoed a challenge the responder sent it, so
	// the address is not forged. Set for UDP only: TCP and TLS prove the
	// source by their handshake.
	Proven    bool
	Transport Transport
	// Source is where the probe came from.
	Source netip.AddrPort
	// Destination is the honeypot address the probe was sent to: the real
	// address, not the wildcard the listener is bound to.
	Destination netip.AddrPort

	// Method is the request method, or empty for a response or an unreadable
	// start line.
	Method     string
	RequestURI string
	// CalledNumber is the user part of the Request-URI, else of To, as sent.
	CalledNumber string
	// CalledNumberNorm is CalledNumber normalised for lookup: scheme,
	// parameters and visual separators removed.
	CalledNumberNorm string
	From             string
	To               string
	CallID           string
	CSeq             string
	UserAgent        string
	Contact          string
	Via              string

	// Raw is the message as received, truncated to the configured cap.
	Raw string
	// RawTruncated is true when Raw is shorter than the message received.
	RawTruncated bool
	// ParseError is empty when the message parsed as SIP, else why it did not.
	ParseError string
}
