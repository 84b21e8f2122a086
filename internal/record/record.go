package record

import (
	"crypto/ed25519"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// Version is the newest encoding version. [Marshal] writes version 1 for a
// record without a destination or raw message (most records), and version
// 2 only when it carries one; [Unmarshal] accepts both.
const Version = 2

// Size limits of the encoding. A record over any of them cannot be encoded.
const (
	// MaxEncodedSize bounds a whole encoded record; the largest possible
	// version 1 record is 494 bytes, version 2 adds at most 19 + 2 +
	// MaxRawLen.
	MaxEncodedSize = 4096
	// MaxNumberLen bounds CalledNumber, in bytes (the longest normalised number).
	MaxNumberLen = sip.MaxNumberLen
	// MaxMethodLen bounds Method, in bytes.
	MaxMethodLen = 32
	// MaxUserAgentLen bounds UserAgent, in bytes.
	MaxUserAgentLen = 256
	// MaxRawLen bounds Raw, in bytes.
	MaxRawLen = 2048
)

// Record is one signed sighting report: Count probes from SourceIP with the
// same called number, method and user agent between FirstSeen and LastSeen,
// as seen by the node whose identity key is Reporter.
//
// Destination and Raw are empty unless the reporting node's operator chose
// to share them (--p2p-share-destination, --p2p-share-raw): by default what
// the honeypot listens on and what it received stay local. A Record is a
// plain value; it is not safe
// to modify one while another goroutine reads it, and records handed to
// another component (a channel, a store) must not be modified afterwards.
type Record struct {
	// SourceIP is where the probes came from: no zone, IPv4 in its 4-byte
	// form (not IPv4-mapped IPv6).
	SourceIP netip.Addr
	// CalledNumber is the called number normalised by [sip.NormaliseNumber]
	// (so at most [MaxNumberLen] bytes); it may be empty.
	CalledNumber string
	// Method is the SIP method as sent (an RFC 3261 token), at most
	// [MaxMethodLen] bytes; it may be empty.
	Method string
	// UserAgent is the User-Agent header as sent, at most [MaxUserAgentLen]
	// bytes and without NUL; any other bytes, including invalid UTF-8, are
	// kept.
	UserAgent string
	Transport event.Transport
	// FirstSeen and LastSeen bound the sightings counted; they are encoded
	// as Unix nanoseconds, so decoded times are in UTC without a monotonic
	// reading.
	FirstSeen time.Time
	LastSeen  time.Time
	// Count is the number of sightings between FirstSeen and LastSeen, at
	// least 1.
	Count uint32
	// Destination is the honeypot address the probes were sent to, when
	// the reporter shares it; the zero value otherwise.
	Destination netip.AddrPort
	// Raw is the first SIP message of the sighting as received, at most
	// [MaxRawLen] bytes, when the reporter shares it; empty otherwise.
	Raw string
	// Reporter is the reporting node's identity key (its libp2p Ed25519
	// key), [ed25519.PublicKeySize] bytes.
	Reporter ed25519.PublicKey
	// Signature is Reporter's Ed25519 signature over [Record.SigningBytes],
	// [ed25519.SignatureSize] bytes.
	Signature []byte
}

// Key identifies a sighting for deduplication and aggregation. It is
// comparable, so it can key a map.
type Key struct {
	IP        netip.Addr
	Number    string
	Method    string
	UserAgent string
}

// Key returns the key of r's sighting: (SourceIP, CalledNumber, Method,
// UserAgent). Reporter, times and count are not part of it.
func (r *Record) Key() Key {
	return Key{IP: r.SourceIP, Number: r.CalledNumber, Method: r.Method, UserAgent: r.UserAgent}
}
