// Package config holds the daemon's settings and loads them from, in order
// of increasing precedence, built-in defaults, a config file (-g), the
// SENTRYPEER_* environment variables and the command line.
//
// Every setting has one long flag name (which is also its name in the
// config file), optionally the original SentryPeer single-letter flag, and
// optionally an environment variable. Bad values stop start-up with an error
// naming the setting and what it allows.
package config

import (
	"net/netip"
	"path/filepath"
	"time"
)

// Config is the complete, validated configuration of the daemon.
type Config struct {
	// DataDir holds the database (unless DBFile says otherwise), the JSON
	// log, the node id and generated TLS keys. Default "sentrypeer-data".
	DataDir string
	// DBFile is the SQLite database. Default DataDir/sentrypeer.db.
	DBFile string

	// SIPDisable turns the SIP listeners off (-R).
	SIPDisable bool
	// SIPListen are the addresses served over both UDP and TCP.
	SIPListen []netip.AddrPort
	// SIPListenDefault is true when SIPListen was not set: addresses that
	// this host cannot bind (no IPv6) are then skipped with a warning.
	SIPListenDefault bool
	// TLSListen is the TLS address (-z), used when TLSCert or TLSSelfSigned is set.
	TLSListen     netip.AddrPort
	TLSCert       string
	TLSKey        string
	TLSSelfSigned bool

	// SIPResponsive makes the honeypot answer probes (-r); silent otherwise.
	SIPResponsive bool
	// SIPServer is the Server header of responsive answers.
	SIPServer string

	// SIPMaxMessage caps one SIP message over TCP/TLS, in bytes.
	SIPMaxMessage int
	// SIPRawMax caps the raw message kept per event, in bytes.
	SIPRawMax int
	// TCPIdleTimeout closes a TCP/TLS connection that sends no complete
	// message for this long.
	TCPIdleTimeout time.Duration
	// TCPMaxPerSource and TCPMaxConns cap concurrent stream connections.
	TCPMaxPerSource int
	TCPMaxConns     int

	// QueueSize is the capacity, in events, of each sink's queue; 0 sizes
	// it from MemoryLimit.
	QueueSize int
	// FlushInterval is how often queued events are committed to the store:
	// a kill -9 loses at most the events of the last interval.
	FlushInterval time.Duration
	// MemoryLimit is what the whole process may hold resident, in bytes,
	// 0 for no limit.
	MemoryLimit int64
	// MaxAge is how long events are kept.
	MaxAge time.Duration
	// IndexMaxEvents bounds the API's in-memory index.
	IndexMaxEvents int

	JSONLog     bool
	JSONLogFile string
	Syslog      bool
	// SyslogAddress is "" for the local syslog socket, else network:host:port.
	SyslogAddress string

	Verbose bool
	Debug   bool

	// API serves the local API (-a, on by default); NoAPI turns it off.
	API   bool
	NoAPI bool
	// APIListen is the API address; APIKey, when set, is required of
	// every request. A non-loopback APIListen needs an API key or an API
	// client (the daemon checks DATA-DIR/clients.db at start).
	APIListen netip.AddrPort
	APIKey    string
	// APITLSCert and APITLSKey (PEM files), or APITLSSelfSigned (the
	// data folder's self-signed certificate, as SIP TLS uses), make the
	// API serve HTTPS.
	APITLSCert       string
	APITLSKey        string
	APITLSSelfSigned bool
	// APIClientRate (requests per second) and APIClientBurst bound each
	// API client (DATA-DIR/clients.db); defaults 50 and 100.
	APIClientRate  int
	APIClientBurst int

	// PeerToPeer shares records with peers (-p, on by default); NoShare
	// turns it off, and then nothing is received either.
	PeerToPeer      bool
	NoShare         bool
	BootstrapNodes  []string
	P2PListen       []string
	P2PMDNS         bool
	P2PInterval     time.Duration
	P2PQuorum       int
	P2PTrust        []string
	P2PAllowPrivate bool
	// P2PShareDestination and P2PShareRaw add the honeypot's address and
	// the raw SIP message to shared first sightings; both off by default.
	P2PShareDestination bool
	P2PShareRaw         bool
	// Allow are networks never shared and never blocked.
	Allow []netip.Prefix

	// BlockFor is how long a decision lasts after its last sighting;
	// BlockMax caps the set; BlockEvidence is "any" or "proven";
	// BlockReconcile is how often blockers converge on the whole set.
	BlockFor       time.Duration
	BlockMax       int
	BlockEvidence  string
	BlockReconcile time.Duration
	// NFT drops decisions' addresses with nftables, in table NFTTable;
	// NFTSetsOnly manages only its sets.
	NFT         bool
	NFTTable    string
	NFTSetsOnly bool

	// BGPASN, when set, runs the BGP blackhole speaker.
	BGPASN              uint32
	BGPRouterID         netip.Addr
	BGPListen           netip.AddrPort
	BGPNeighbors        []bgpNeighbor       // []bgp.Neighbor
	BGPCommunities      []bgpCommunity      // []bgp.Community
	BGPLargeCommunities []bgpLargeCommunity // []bgp.LargeCommunity
	BGPNextHopV4        netip.Addr
	BGPNextHopV6        netip.Addr
	BGPMaxPrefixes      int

	// SIPAgentListen serves the SIP agent when valid; it redirects clean
	// calls to SIPAgentDestination and answers blocked ones with
	// SIPAgentReject. SIPAgentSourceHeader carries the caller's address.
	SIPAgentListen       netip.AddrPort
	SIPAgentDestination  string
	SIPAgentReject       int
	SIPAgentSourceHeader string

	// WebhookURL, when set, receives every event as JSON (-w); nothing is
	// posted without it. OAuth2ClientID and OAuth2ClientSecret (together)
	// get its bearer token from OAuth2TokenURL for OAuth2Audience.
	WebhookURL         string
	OAuth2ClientID     string
	OAuth2ClientSecret string
	OAuth2TokenURL     string
	OAuth2Audience     string
	// WebhookMaxQueue caps the events waiting on disk (the oldest go
	// first); WebhookBatch is events per POST (1: an object, else an
	// array); WebhookConcurrency is POSTs in flight; WebhookSecret signs
	// bodies (HMAC-SHA256). WebhookShareRaw and WebhookShareDestination
	// fill in sip_message and destination_ip; both off by default.
	WebhookMaxQueue         int
	WebhookBatch            int
	WebhookConcurrency      int
	WebhookSecret           string
	WebhookShareRaw         bool
	WebhookShareDestination bool

	// ConfigFile is the file the settings were read from, if any.
	ConfigFile string
}

// Sharing reports whether the node joins the peer-to-peer network: never
// in a lite build, which has no peer-to-peer engine.
func (c *Config) Sharing() bool { return !Lite && c.PeerToPeer && !c.NoShare }

// APIEnabled reports whether the local API is served.
func (c *Config) APIEnabled() bool { return c.API && !c.NoAPI }

// TLSEnabled reports whether a TLS listener is configured.
func (c *Config) TLSEnabled() bool {
	return !c.SIPDisable && (c.TLSCert != "" || c.TLSSelfSigned)
}

// DataPath returns name inside the data folder.
func (c *Config) DataPath(name string) string { return filepath.Join(c.DataDir, name) }
