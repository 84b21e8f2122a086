package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/block/sipagent"
)

// setting describes one configuration knob in all its spellings.
type setting struct {
	name    string // long flag name, and the key in the config file
	short   string // the original SentryPeer flag, if any
	env     string // environment variable, if any
	isBool  bool
	multi   bool   // may be given several times; values may be comma-separated
	sep     string // separates several values in one, for multi; "" is ","
	def     string
	usage   string
	allowed string // what a valid value looks like, for error messages
	apply   func(c *Config, v string) error
	// feature names the part of the program the setting belongs to when
	// lite builds leave that part out: they refuse the setting when it is
	// given (see refuseLeftOut), unless its value is off, the one that
	// keeps the part off anyway ("" when there is none).
	feature string
	off     string
}

// Parts of the program that lite builds leave out, as settings name them.
const (
	p2pFeature     = "peer-to-peer"
	bgpFeature     = "BGP"
	tlsGenFeature  = "the certificate generator"
	webhookFeature = "the webhook"
)

// notInLite ends the usage of every setting that lite builds refuse, in
// both builds, so that -h, the man page and README.md stay one list.
const notInLite = " (not in lite builds)"

// settings is the complete list, in the order -h prints them.
func settings() []setting {
	all := settingList()
	for i := range all {
		if all[i].feature != "" {
			all[i].usage += notInLite
		}
	}
	return all
}

func settingList() []setting {
	return []setting{
		{name: "data-dir", env: "SENTRYPEER_DATA_DIR", def: "sentrypeer-data",
			usage: "folder for the database, JSON log, node id and generated keys", allowed: "a path",
			apply: func(c *Config, v string) error { return nonEmpty(v, &c.DataDir) }},
		{name: "db-file", short: "f", env: "SENTRYPEER_DB_FILE",
			usage: "SQLite database file (default DATA-DIR/sentrypeer.db)", allowed: "a path",
			apply: func(c *Config, v string) error { return nonEmpty(v, &c.DBFile) }},
		{name: "sip-listen", env: "SENTRYPEER_SIP_LISTEN", multi: true, def: "0.0.0.0:5060,[::]:5060",
			usage: "addresses served over UDP and TCP, comma-separated host:port ([::1]:5060 for IPv6)", allowed: "host:port with an IP address",
			apply: func(c *Config, v string) error {
				ap, err := parseAddrPort(v)
				c.SIPListen = append(c.SIPListen, ap)
				return err
			}},
		{name: "sip-disable", short: "R", env: "SENTRYPEER_SIP_DISABLE", isBool: true,
			usage: "disable SIP entirely", apply: boolTo(func(c *Config) *bool { return &c.SIPDisable })},
		{name: "sip-responsive", short: "r", env: "SENTRYPEER_SIP_RESPONSIVE", isBool: true,
			usage: "answer probes with valid SIP (silent otherwise)", apply: boolTo(func(c *Config) *bool { return &c.SIPResponsive })},
		{name: "sip-server", env: "SENTRYPEER_SIP_SERVER", def: "FPBX-16.0.40.7(18.20.2)",
			usage: "Server header of responsive answers", allowed: "printable text",
			apply: func(c *Config, v string) error {
				for i := 0; i < len(v); i++ {
					if v[i] < 0x20 || v[i] == 0x7f {
						return fmt.Errorf("contains a control character")
					}
				}
				return nonEmpty(v, &c.SIPServer)
			}},
		{name: "tls-listen", short: "z", env: "SENTRYPEER_TLS_LISTEN_ADDRESS", def: "0.0.0.0:5061",
			usage: "SIP over TLS address, served when a certificate is given", allowed: "host:port with an IP address",
			apply: func(c *Config, v string) (err error) { c.TLSListen, err = parseAddrPort(v); return err }},
		{name: "tls-cert", short: "t", env: "SENTRYPEER_CERT",
			usage: "TLS certificate file (PEM)", allowed: "a path",
			apply: func(c *Config, v string) error { return nonEmpty(v, &c.TLSCert) }},
		{name: "tls-key", short: "k", env: "SENTRYPEER_KEY",
			usage: "TLS private key file (PEM)", allowed: "a path",
			apply: func(c *Config, v string) error { return nonEmpty(v, &c.TLSKey) }},
		{name: "tls-self-signed", env: "SENTRYPEER_TLS_SELF_SIGNED", isBool: true,
			usage: "serve TLS with a self-signed certificate created in the data folder",
			apply: boolTo(func(c *Config) *bool { return &c.TLSSelfSigned }), feature: tlsGenFeature, off: "false"},
		{name: "sip-max-message", env: "SENTRYPEER_SIP_MAX_MESSAGE", def: "65535",
			usage: "largest SIP message accepted over TCP/TLS, bytes", allowed: "an integer from 1024 to 1048576",
			apply: intIn(1024, 1<<20, func(c *Config) *int { return &c.SIPMaxMessage })},
		{name: "sip-raw-max", env: "SENTRYPEER_SIP_RAW_MAX", def: "4096",
			usage: "raw message bytes kept per event", allowed: "an integer from 0 to 65535",
			apply: intIn(0, 65535, func(c *Config) *int { return &c.SIPRawMax })},
		{name: "tcp-idle-timeout", env: "SENTRYPEER_TCP_IDLE_TIMEOUT", def: "10s",
			usage: "close a TCP/TLS connection idle this long", allowed: "a duration from 100ms to 1h, e.g. 10s",
			apply: durationIn(100*time.Millisecond, time.Hour, func(c *Config) *time.Duration { return &c.TCPIdleTimeout })},
		{name: "tcp-max-per-source", env: "SENTRYPEER_TCP_MAX_PER_SOURCE", def: "8",
			usage: "concurrent TCP/TLS connections allowed from one IP", allowed: "an integer from 1 to 65535",
			apply: intIn(1, 65535, func(c *Config) *int { return &c.TCPMaxPerSource })},
		{name: "tcp-max-conns", env: "SENTRYPEER_TCP_MAX_CONNS", def: "1024",
			usage: "concurrent TCP/TLS connections in all", allowed: "an integer from 1 to 1000000",
			apply: intIn(1, 1_000_000, func(c *Config) *int { return &c.TCPMaxConns })},
		{name: "queue-size", env: "SENTRYPEER_QUEUE_SIZE", def: defaultQueueSize,
			usage: "events each sink may have queued before new ones are dropped (and counted); auto: a fifth of --memory-limit at 1 KiB an event, from 4096 to 65536", allowed: "auto, or an integer from 16 to 4194304",
			apply: func(c *Config, v string) error {
				if strings.TrimSpace(v) == "auto" {
					c.QueueSize = 0
					return nil
				}
				return intIn(16, 1<<22, func(c *Config) *int { return &c.QueueSize })(c, v)
			}},
		{name: "memory-limit", env: "SENTRYPEER_MEMORY_LIMIT", def: defaultMemoryLimit,
			usage: "memory the whole process may hold resident: the Go heap's soft limit, the index and the queues are sized from it (0 = none; GOMEMLIMIT, when set, is the Go limit instead)", allowed: "0, or a size of at least 48MiB such as 128MiB or 1GiB",
			apply: func(c *Config, v string) (err error) {
				if c.MemoryLimit, err = parseSize(v); err == nil && c.MemoryLimit > 0 && c.MemoryLimit < 48<<20 {
					err = fmt.Errorf("want 0, or at least 48MiB: the program and SQLite need about that before holding any event")
				}
				return err
			}},
		{name: "flush-interval", env: "SENTRYPEER_FLUSH_INTERVAL", def: "100ms",
			usage: "how often queued events are committed; kill -9 loses at most this much", allowed: "a duration from 1ms to 10s",
			apply: durationIn(time.Millisecond, 10*time.Second, func(c *Config) *time.Duration { return &c.FlushInterval })},
		{name: "max-age", env: "SENTRYPEER_MAX_AGE", def: "168h",
			usage: "delete events older than this", allowed: "a duration of at least 1m, e.g. 168h",
			apply: durationIn(time.Minute, 100*365*24*time.Hour, func(c *Config) *time.Duration { return &c.MaxAge })},
		{name: "index-max-events", env: "SENTRYPEER_INDEX_MAX_EVENTS", def: "4000000",
			usage: "events the API's in-memory index keeps at most (40 bytes each, plus about 90 per distinct IP or number); past it, or past its share of --memory-limit, the oldest are dropped early from it (not from the database)", allowed: "an integer from 1000 to 100000000",
			apply: intIn(1000, 100_000_000, func(c *Config) *int { return &c.IndexMaxEvents })},
		{name: "json-log", short: "j", env: "SENTRYPEER_JSON_LOG", isBool: true,
			usage: "write every probe as a JSON line", apply: boolTo(func(c *Config) *bool { return &c.JSONLog })},
		{name: "json-log-file", short: "l", env: "SENTRYPEER_JSON_LOG_FILE",
			usage: "JSON log file (default DATA-DIR/sentrypeer_json.log); setting it turns the JSON log on", allowed: "a path",
			apply: func(c *Config, v string) error { c.JSONLog = true; return nonEmpty(v, &c.JSONLogFile) }},
		{name: "syslog", short: "s", env: "SENTRYPEER_SYSLOG", isBool: true,
			usage: "send \"Source IP: ..., Method: ..., Agent: ...\" lines to syslog", apply: boolTo(func(c *Config) *bool { return &c.Syslog })},
		{name: "syslog-address", env: "SENTRYPEER_SYSLOG_ADDRESS",
			usage: "remote syslog as udp:host:port or tcp:host:port (default: the local syslog)", allowed: "udp:host:port or tcp:host:port",
			apply: func(c *Config, v string) error {
				network, addr, ok := strings.Cut(v, ":")
				if !ok || (network != "udp" && network != "tcp") {
					return fmt.Errorf("want udp:host:port or tcp:host:port")
				}
				if _, err := parseAddrPort(addr); err != nil {
					return err
				}
				c.SyslogAddress = v
				return nil
			}},
		{name: "verbose", short: "v", env: "SENTRYPEER_VERBOSE", isBool: true,
			usage: "log every probe (rate-limited)", apply: boolTo(func(c *Config) *bool { return &c.Verbose })},
		{name: "debug", short: "d", env: "SENTRYPEER_DEBUG", isBool: true,
			usage: "debug logging", apply: boolTo(func(c *Config) *bool { return &c.Debug })},
		{name: "api", short: "a", env: "SENTRYPEER_API", isBool: true, def: "true",
			usage: "serve the local API (/health-check, /metrics); on by default", apply: boolTo(func(c *Config) *bool { return &c.API })},
		{name: "no-api", isBool: true,
			usage: "do not serve the local API", apply: boolTo(func(c *Config) *bool { return &c.NoAPI })},
		{name: "api-listen", env: "SENTRYPEER_API_LISTEN", def: "127.0.0.1:8082",
			usage: "API address; anything but loopback needs an API key or an API client (sentrypeer clients add)", allowed: "host:port with an IP address",
			apply: func(c *Config, v string) (err error) { c.APIListen, err = parseAddrPort(v); return err }},
		{name: "api-key", env: "SENTRYPEER_API_KEY",
			usage: "API key: requests then need Authorization: Bearer KEY or X-Api-Key: KEY", allowed: "at least 16 printable characters",
			apply: func(c *Config, v string) error { return apiKey(v, &c.APIKey) }},
		{name: "api-key-file", env: "SENTRYPEER_API_KEY_FILE",
			usage: "file holding the API key", allowed: "a readable file holding the key",
			apply: func(c *Config, v string) error {
				b, err := os.ReadFile(v)
				if err != nil {
					return err
				}
				return apiKey(strings.TrimSpace(string(b)), &c.APIKey)
			}},
		{name: "api-tls-cert", env: "SENTRYPEER_API_TLS_CERT",
			usage: "serve the API over HTTPS with this certificate file (PEM), with --api-tls-key", allowed: "a path",
			apply: func(c *Config, v string) error { return nonEmpty(v, &c.APITLSCert) }},
		{name: "api-tls-key", env: "SENTRYPEER_API_TLS_KEY",
			usage: "the API's TLS key file (PEM), with --api-tls-cert", allowed: "a path",
			apply: func(c *Config, v string) error { return nonEmpty(v, &c.APITLSKey) }},
		{name: "api-tls-self-signed", env: "SENTRYPEER_API_TLS_SELF_SIGNED", isBool: true,
			usage: "serve the API over HTTPS with the self-signed certificate of the data folder (the one --tls-self-signed uses)",
			apply: boolTo(func(c *Config) *bool { return &c.APITLSSelfSigned }), feature: tlsGenFeature, off: "false"},
		{name: "api-client-rate", env: "SENTRYPEER_API_CLIENT_RATE", def: "50",
			usage: "requests per second each API client (sentrypeer clients add) may make; past it, 429 with Retry-After", allowed: "an integer from 1 to 100000",
			apply: intIn(1, 100_000, func(c *Config) *int { return &c.APIClientRate })},
		{name: "api-client-burst", env: "SENTRYPEER_API_CLIENT_BURST", def: "100",
			usage: "requests an API client may make at once above --api-client-rate", allowed: "an integer from 1 to 100000",
			apply: intIn(1, 100_000, func(c *Config) *int { return &c.APIClientBurst })},
		{name: "peer-to-peer", short: "p", env: "SENTRYPEER_PEER_TO_PEER", isBool: true, def: "true",
			usage: "share bad-actor records with peers and receive theirs; on by default (a node that does not share receives nothing)", apply: boolTo(func(c *Config) *bool { return &c.PeerToPeer }), feature: p2pFeature, off: "false"},
		{name: "no-share", isBool: true,
			usage: "do not share, and so receive nothing: no publishing, no subscribing, no sync", apply: boolTo(func(c *Config) *bool { return &c.NoShare })},
		{name: "bootstrap-node", short: "b", env: "SENTRYPEER_BOOTSTRAP_NODE", multi: true,
			usage: "peers to join the network through, comma-separated multiaddrs ending in /p2p/PEERID (sentrypeer id prints a node's)", allowed: "a multiaddr such as /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW...",
			apply: func(c *Config, v string) error {
				if !strings.HasPrefix(v, "/") || !strings.Contains(v, "/p2p/") {
					return fmt.Errorf("want a multiaddr ending in /p2p/PEERID, such as /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW...")
				}
				c.BootstrapNodes = append(c.BootstrapNodes, v)
				return nil
			}, feature: p2pFeature},
		{name: "p2p-listen", env: "SENTRYPEER_P2P_LISTEN", multi: true, def: "/ip4/0.0.0.0/tcp/4001,/ip4/0.0.0.0/udp/4001/quic-v1,/ip6/::/tcp/4001,/ip6/::/udp/4001/quic-v1",
			usage: "peer-to-peer listen multiaddrs, comma-separated", allowed: "a multiaddr such as /ip4/0.0.0.0/tcp/4001",
			apply: func(c *Config, v string) error {
				if !strings.HasPrefix(v, "/") {
					return fmt.Errorf("want a multiaddr such as /ip4/0.0.0.0/tcp/4001")
				}
				c.P2PListen = append(c.P2PListen, v)
				return nil
			}, feature: p2pFeature},
		{name: "p2p-mdns", env: "SENTRYPEER_P2P_MDNS", isBool: true,
			usage: "find peers on the local network with mDNS", apply: boolTo(func(c *Config) *bool { return &c.P2PMDNS }), feature: p2pFeature, off: "false"},
		{name: "p2p-interval", env: "SENTRYPEER_P2P_INTERVAL", def: "10s",
			usage: "later sightings of an attacker are folded into one shared update per interval (the first goes out at once)", allowed: "a duration from 1s to 10m",
			apply: durationIn(time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.P2PInterval }), feature: p2pFeature},
		{name: "p2p-quorum", env: "SENTRYPEER_P2P_QUORUM", def: "2",
			usage: "distinct peers that must report an IP or number before it counts as enforce (blockers act on it)", allowed: "an integer from 1 to 100",
			apply: intIn(1, 100, func(c *Config) *int { return &c.P2PQuorum }), feature: p2pFeature},
		{name: "p2p-trust", env: "SENTRYPEER_P2P_TRUST", multi: true,
			usage: "peer IDs whose reports alone count as enforce, and that may sync history without contributing", allowed: "a peer ID such as 12D3KooW...",
			apply: func(c *Config, v string) error {
				if len(v) < 40 || strings.ContainsAny(v, "/: ") {
					return fmt.Errorf("want a peer ID such as 12D3KooW...")
				}
				c.P2PTrust = append(c.P2PTrust, v)
				return nil
			}, feature: p2pFeature},
		{name: "p2p-allow-private", env: "SENTRYPEER_P2P_ALLOW_PRIVATE", isBool: true,
			usage: "share and accept records about private, loopback and documentation addresses (tests, LANs)", apply: boolTo(func(c *Config) *bool { return &c.P2PAllowPrivate })},
		{name: "p2p-share-destination", env: "SENTRYPEER_P2P_SHARE_DESTINATION", isBool: true,
			usage: "also share the honeypot address each new attacker probed (off: it stays on this node)", apply: boolTo(func(c *Config) *bool { return &c.P2PShareDestination }), feature: p2pFeature, off: "false"},
		{name: "p2p-share-raw", env: "SENTRYPEER_P2P_SHARE_RAW", isBool: true,
			usage: "also share the raw SIP message of each new attacker's first probe, up to 2 KiB (off: it stays on this node)", apply: boolTo(func(c *Config) *bool { return &c.P2PShareRaw }), feature: p2pFeature, off: "false"},
		{name: "allow", env: "SENTRYPEER_ALLOW", multi: true,
			usage: "networks never shared and never blocked (customers, upstreams), comma-separated CIDRs", allowed: "a CIDR such as 192.0.2.0/24",
			apply: func(c *Config, v string) error {
				p, err := netip.ParsePrefix(v)
				if err != nil {
					a, aerr := netip.ParseAddr(v)
					if aerr != nil {
						return fmt.Errorf("want a CIDR such as 192.0.2.0/24")
					}
					p = netip.PrefixFrom(a, a.BitLen())
				}
				c.Allow = append(c.Allow, p.Masked())
				return nil
			}},
		{name: "block-for", env: "SENTRYPEER_BLOCK_FOR", def: "168h",
			usage: "how long a decision lasts after the last sighting of its value (new sightings extend it)", allowed: "a duration from 1m to 8760h",
			apply: durationIn(time.Minute, 8760*time.Hour, func(c *Config) *time.Duration { return &c.BlockFor })},
		{name: "block-max", env: "SENTRYPEER_BLOCK_MAX", def: defaultBlockMax,
			usage: "decisions held at most; past it the weakest evidence goes first (counted)", allowed: "an integer from 1 to 10000000",
			apply: intIn(1, 10_000_000, func(c *Config) *int { return &c.BlockMax })},
		{name: "block-evidence", env: "SENTRYPEER_BLOCK_EVIDENCE", def: "any",
			usage: "any: act on every enforced sighting; proven: only on local sightings over TCP/TLS or from UDP sources that echoed the responder's challenge, and on peers' quorum or trusted reports", allowed: "any or proven",
			apply: func(c *Config, v string) error {
				if v != "any" && v != "proven" {
					return fmt.Errorf("want any or proven")
				}
				c.BlockEvidence = v
				return nil
			}},
		{name: "block-reconcile", env: "SENTRYPEER_BLOCK_RECONCILE", def: "10s",
			usage: "how often every blocker converges on the whole set of decisions (and at start, and after any error)", allowed: "a duration from 1s to 1h",
			apply: durationIn(time.Second, time.Hour, func(c *Config) *time.Duration { return &c.BlockReconcile })},
		{name: "nft", env: "SENTRYPEER_NFT", isBool: true,
			usage: "drop decisions' addresses with nftables: creates and owns table inet sentrypeer (Linux; needs CAP_NET_ADMIN)",
			apply: boolTo(func(c *Config) *bool { return &c.NFT })},
		{name: "nft-table", env: "SENTRYPEER_NFT_TABLE", def: "sentrypeer",
			usage: "name of the inet table --nft manages", allowed: "letters, digits, '_' and '-', at most 64",
			apply: func(c *Config, v string) error {
				if v == "" || len(v) > 64 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
					return fmt.Errorf("want letters, digits, '_' and '-', at most 64")
				}
				c.NFTTable = v
				return nil
			}},
		{name: "nft-sets-only", env: "SENTRYPEER_NFT_SETS_ONLY", isBool: true,
			usage: "with --nft, manage only the sets bad_ipv4 and bad_ipv6 in a table of the operator's own ruleset",
			apply: boolTo(func(c *Config) *bool { return &c.NFTSetsOnly })},
		{name: "bgp-asn", env: "SENTRYPEER_BGP_ASN",
			usage: "run the BGP blackhole speaker with this AS number: every IP decision is announced to --bgp-neighbor", allowed: "an AS number from 1 to 4294967295",
			apply: func(c *Config, v string) error {
				n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
				if err != nil || n == 0 {
					return fmt.Errorf("want an AS number from 1 to 4294967295")
				}
				c.BGPASN = uint32(n)
				return nil
			}, feature: bgpFeature},
		{name: "bgp-router-id", env: "SENTRYPEER_BGP_ROUTER_ID",
			usage: "the speaker's BGP identifier (default: --bgp-listen's or the first neighbour's local address)", allowed: "an IPv4 address",
			apply: func(c *Config, v string) error {
				a, err := netip.ParseAddr(v)
				if err != nil || !a.Is4() {
					return fmt.Errorf("want an IPv4 address")
				}
				c.BGPRouterID = a
				return nil
			}, feature: bgpFeature},
		{name: "bgp-listen", env: "SENTRYPEER_BGP_LISTEN",
			usage: "accept BGP sessions on this address (port 179 if 0); without it the speaker only dials", allowed: "host:port with an IP address",
			apply: func(c *Config, v string) (err error) { c.BGPListen, err = parseAddrPort(v); return err }, feature: bgpFeature},
		{name: "bgp-neighbor", env: "SENTRYPEER_BGP_NEIGHBOR", multi: true, sep: ";",
			usage: "a BGP neighbour, repeatable (several in one value: separated by ';')", allowed: "ADDR[:PORT],ASN[,password=SECRET][,multihop=N][,local=ADDR]",
			apply: func(c *Config, v string) error {
				n, err := parseBGPNeighbor(v)
				if err != nil {
					return fmt.Errorf("want ADDR[:PORT],ASN[,password=SECRET][,multihop=N][,local=ADDR]: %w", err)
				}
				c.BGPNeighbors = append(c.BGPNeighbors, n)
				return nil
			}, feature: bgpFeature},
		{name: "bgp-community", env: "SENTRYPEER_BGP_COMMUNITY", multi: true,
			usage: "a community added to every route (BLACKHOLE 65535:666 and NO_EXPORT always are), repeatable", allowed: "A:B with A and B from 0 to 65535",
			apply: func(c *Config, v string) error {
				x, err := parseBGPCommunity(v)
				c.BGPCommunities = append(c.BGPCommunities, x)
				return err
			}, feature: bgpFeature},
		{name: "bgp-large-community", env: "SENTRYPEER_BGP_LARGE_COMMUNITY", multi: true,
			usage: "a large community added to every route, repeatable", allowed: "A:B:C, each from 0 to 4294967295",
			apply: func(c *Config, v string) error {
				x, err := parseBGPLargeCommunity(v)
				c.BGPLargeCommunities = append(c.BGPLargeCommunities, x)
				return err
			}, feature: bgpFeature},
		{name: "bgp-next-hop-v4", env: "SENTRYPEER_BGP_NEXT_HOP_V4", def: "192.0.2.1",
			usage: "next hop of IPv4 routes (routed to a discard interface by the neighbour)", allowed: "an IPv4 address",
			apply: func(c *Config, v string) error {
				a, err := netip.ParseAddr(v)
				if err != nil || !a.Is4() {
					return fmt.Errorf("want an IPv4 address")
				}
				c.BGPNextHopV4 = a
				return nil
			}, feature: bgpFeature},
		{name: "bgp-next-hop-v6", env: "SENTRYPEER_BGP_NEXT_HOP_V6", def: "100::1",
			usage: "next hop of IPv6 routes (RFC 6666's discard prefix by default)", allowed: "an IPv6 address",
			apply: func(c *Config, v string) error {
				a, err := netip.ParseAddr(v)
				if err != nil || !a.Is6() || a.Is4In6() {
					return fmt.Errorf("want an IPv6 address")
				}
				c.BGPNextHopV6 = a
				return nil
			}, feature: bgpFeature},
		{name: "bgp-max-prefixes", env: "SENTRYPEER_BGP_MAX_PREFIXES", def: "10000",
			usage: "routes announced at most; past it the strongest evidence first", allowed: "an integer from 1 to 1000000",
			apply: intIn(1, 1_000_000, func(c *Config) *int { return &c.BGPMaxPrefixes }), feature: bgpFeature},
		{name: "sip-agent-listen", env: "SENTRYPEER_SIP_AGENT_LISTEN",
			usage: "serve the SIP agent (a redirect server a proxy asks before it connects a call) on this address, UDP and TCP; needs --sip-agent-destination", allowed: "host:port with an IP address",
			apply: func(c *Config, v string) (err error) { c.SIPAgentListen, err = parseAddrPort(v); return err }},
		{name: "sip-agent-destination", env: "SENTRYPEER_SIP_AGENT_DESTINATION",
			usage: "where the SIP agent redirects a clean call (302, the same user at this host)", allowed: "host[:port][;transport=udp|tcp|tls|sctp|ws|wss]",
			apply: func(c *Config, v string) error {
				if _, err := sipagent.ParseDestination(v); err != nil {
					return fmt.Errorf("want host[:port][;transport=udp|tcp|tls|sctp|ws|wss]")
				}
				c.SIPAgentDestination = v
				return nil
			}},
		{name: "sip-agent-reject", env: "SENTRYPEER_SIP_AGENT_REJECT", def: "404",
			usage: "the SIP agent's answer to a call from a blocked caller or to a blocked number", allowed: "403, 404, 603 or 608",
			apply: func(c *Config, v string) error {
				switch v {
				case "403", "404", "603", "608":
					c.SIPAgentReject, _ = strconv.Atoi(v)
					return nil
				}
				return fmt.Errorf("want 403, 404, 603 or 608")
			}},
		{name: "sip-agent-source-header", env: "SENTRYPEER_SIP_AGENT_SOURCE_HEADER", def: "X-SentryPeer-Source",
			usage: "header the proxy sets to the caller's address (without it: the bottom Via's received, else its host)", allowed: "a header name",
			apply: func(c *Config, v string) error {
				if v == "" || strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!%*+`'~") != "" {
					return fmt.Errorf("want a header name")
				}
				c.SIPAgentSourceHeader = v
				return nil
			}},
		{name: "webhook-url", short: "w", env: "SENTRYPEER_WEBHOOK_URL",
			usage: "POST every probe as JSON to this URL, queued on disk (DATA-DIR/webhook.db) until the receiver answers 2xx; nothing is posted without it", allowed: "an http:// or https:// URL",
			apply: func(c *Config, v string) error { return httpURL(v, &c.WebhookURL) }, feature: webhookFeature},
		{name: "oauth2-client-id", short: "i", env: "SENTRYPEER_OAUTH2_CLIENT_ID",
			usage: "with -c, the webhook sends a bearer token got by OAuth2 client credentials", allowed: "printable text",
			apply: func(c *Config, v string) error { return printable(v, &c.OAuth2ClientID) }, feature: webhookFeature},
		{name: "oauth2-client-secret", short: "c", env: "SENTRYPEER_OAUTH2_CLIENT_SECRET",
			usage: "the OAuth2 client secret that goes with -i", allowed: "printable text",
			apply: func(c *Config, v string) error { return printable(v, &c.OAuth2ClientSecret) }, feature: webhookFeature},
		{name: "oauth2-token-url", env: "SENTRYPEER_OAUTH2_TOKEN_URL", def: "https://authz.sentrypeer.com/oauth/token",
			usage: "where -i and -c are exchanged for the webhook's token", allowed: "an http:// or https:// URL",
			apply: func(c *Config, v string) error { return httpURL(v, &c.OAuth2TokenURL) }, feature: webhookFeature},
		{name: "oauth2-audience", env: "SENTRYPEER_OAUTH2_AUDIENCE", def: "https://sentrypeer.com/api",
			usage: "audience of the webhook's OAuth2 token", allowed: "printable text",
			apply: func(c *Config, v string) error { return printable(v, &c.OAuth2Audience) }, feature: webhookFeature},
		{name: "webhook-max-queue", env: "SENTRYPEER_WEBHOOK_MAX_QUEUE", def: "100000",
			usage: "events waiting for the webhook at most; past it the oldest are dropped (and counted)", allowed: "an integer from 1 to 100000000",
			apply: intIn(1, 100_000_000, func(c *Config) *int { return &c.WebhookMaxQueue }), feature: webhookFeature},
		{name: "webhook-batch", env: "SENTRYPEER_WEBHOOK_BATCH", def: "1",
			usage: "events per webhook POST: 1 posts one JSON object, as the original; more posts JSON arrays of up to this many", allowed: "an integer from 1 to 10000",
			apply: intIn(1, 10_000, func(c *Config) *int { return &c.WebhookBatch }), feature: webhookFeature},
		{name: "webhook-concurrency", env: "SENTRYPEER_WEBHOOK_CONCURRENCY", def: "1",
			usage: "webhook POSTs in flight: 1 keeps strict order; more start batches in order but may finish out of order", allowed: "an integer from 1 to 64",
			apply: intIn(1, 64, func(c *Config) *int { return &c.WebhookConcurrency }), feature: webhookFeature},
		{name: "webhook-secret", env: "SENTRYPEER_WEBHOOK_SECRET",
			usage: "sign each webhook body: X-SentryPeer-Signature: sha256=HMAC-SHA256(secret, X-SentryPeer-Timestamp + \".\" + body) in hex", allowed: "at least 16 printable characters",
			apply: func(c *Config, v string) error { return apiKey(v, &c.WebhookSecret) }, feature: webhookFeature},
		{name: "webhook-share-raw", env: "SENTRYPEER_WEBHOOK_SHARE_RAW", isBool: true,
			usage: "also post the raw SIP message, sip_message (off: it is \"\" and stays on this node)", apply: boolTo(func(c *Config) *bool { return &c.WebhookShareRaw }), feature: webhookFeature, off: "false"},
		{name: "webhook-share-destination", env: "SENTRYPEER_WEBHOOK_SHARE_DESTINATION", isBool: true,
			usage: "also post the honeypot address probed, destination_ip (off: it is \"\" and stays on this node)", apply: boolTo(func(c *Config) *bool { return &c.WebhookShareDestination }), feature: webhookFeature, off: "false"},
	}
}

func apiKey(v string, dst *string) error {
	if len(v) < 16 {
		return fmt.Errorf("want at least 16 characters")
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f {
			return fmt.Errorf("want printable characters without spaces")
		}
	}
	*dst = v
	return nil
}

func httpURL(v string, dst *string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http:// or https:// URL")
	}
	*dst = v
	return nil
}

func printable(v string, dst *string) error {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			return fmt.Errorf("contains a control character")
		}
	}
	return nonEmpty(v, dst)
}

func nonEmpty(v string, dst *string) error {
	if v == "" {
		return fmt.Errorf("must not be empty")
	}
	*dst = v
	return nil
}

// ParseBool accepts true/false/1/0 (any case). The original treated "0" as
// on; we do not.
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("want true, false, 1 or 0")
}

func boolTo(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := ParseBool(v)
		*field(c) = b
		return err
	}
}

func intIn(lo, hi int, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want an integer from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

func durationIn(lo, hi time.Duration, field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < lo || d > hi {
			return fmt.Errorf("want a duration from %v to %v", lo, hi)
		}
		*field(c) = d
		return nil
	}
}

// parseSize reads a byte count with an optional KiB, MiB or GiB suffix.
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			v, mult = strings.TrimSuffix(v, suffix), m
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("want a size such as 128MiB or 1GiB, or 0")
	}
	return n * mult, nil
}

func parseAddrPort(v string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(strings.TrimSpace(v))
	if err != nil {
		return ap, fmt.Errorf("want host:port with an IP address ([::1]:5060 for IPv6)")
	}
	if ap.Addr().Zone() != "" {
		return ap, fmt.Errorf("zones are not supported")
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}
