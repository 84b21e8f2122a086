package sipagent

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Defaults of [Config].
const (
	DefaultSourceHeader = "X-SentryPeer-Source"
	DefaultReject       = 404
	DefaultMaxConns     = 256
	DefaultIdleTimeout  = 2 * time.Minute
	// MaxMessage is the largest request read, in bytes, over UDP or a
	// stream; a larger stream message closes its connection.
	MaxMessage = 65535
	// maxUser is the longest Request-URI user part answered with a
	// redirect; a longer one gets 414.
	maxUser = 256
)

var (
	// ErrDestination: Config.Destination is missing or malformed.
	ErrDestination = errors.New("sipagent: destination must be host[:port][;transport=udp|tcp|tls|sctp|ws|wss]")
	// ErrReject: Config.Reject is not one of 403, 404, 603, 608.
	ErrReject = errors.New("sipagent: reject code must be 403, 404, 603 or 608")
	// ErrSourceHeader: Config.SourceHeader is not a header name token.
	ErrSourceHeader = errors.New("sipagent: source header must be a header name")
)

// Config configures [New].
type Config struct {
	// Destination is where a clean call is redirected, as
	// host[:port][;transport=...] (see [ParseDestination]). Required.
	Destination string
	// Reject is the status sent for a blocked caller or number: 403, 404,
	// 603 or 608. Zero means [DefaultReject] (404 Not Found).
	Reject int
	// SourceHeader names the header carrying the caller's address, which
	// the proxy sets (the last one in the request counts, so a copy the
	// caller forged earlier loses). Without it in a request, the caller is
	// the bottom Via's received parameter, else its host. Empty means
	// [DefaultSourceHeader].
	SourceHeader string
	// MaxConns caps the open stream connections; more are closed at once.
	// Zero means [DefaultMaxConns].
	MaxConns int
	// IdleTimeout closes a stream connection that has not sent a whole
	// message for this long. Zero means [DefaultIdleTimeout].
	IdleTimeout time.Duration
	// Debug logs every answer, with the called number and the caller, at
	// debug level. Off, the agent logs no call.
	Debug bool
	// Logger receives the debug logs; nil discards them.
	Logger *slog.Logger
}

// Destination is a parsed [Config.Destination].
type Destination struct {
	Host      string // a hostname, an IPv4 address or a bracketed IPv6 address
	Port      uint16 // 0: none given
	Transport string // lower case; "" for none given
}

// String returns d as host[:port][;transport=...].
func (d Destination) String() string {
	s := d.Host
	if d.Port != 0 {
		s += ":" + strconv.Itoa(int(d.Port))
	}
	if d.Transport != "" {
		s += ";transport=" + d.Transport
	}
	return s
}

// ParseDestination reads host[:port][;transport=...]: a hostname, IPv4
// address or bracketed IPv6 address, an optional port from 1 to 65535 and
// an optional transport (udp, tcp, tls, sctp, ws or wss). Nothing else is
// accepted, so the result can be written into a Contact as it is.
func ParseDestination(s string) (Destination, error) {
	var d Destination
	hostport, params, hasParams := strings.Cut(strings.TrimSpace(s), ";")
	if hasParams {
		name, val, ok := strings.Cut(params, "=")
		val = strings.ToLower(val)
		switch {
		case !ok || !strings.EqualFold(name, "transport"):
			return d, fmt.Errorf("%w: %q: only a transport parameter is allowed", ErrDestination, s)
		case val == "udp", val == "tcp", val == "tls", val == "sctp", val == "ws", val == "wss":
			d.Transport = val
		default:
			return d, fmt.Errorf("%w: %q: unknown transport", ErrDestination, s)
		}
	}
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return d, fmt.Errorf("%w: %q: unclosed '['", ErrDestination, s)
		}
		host, port = hostport[:end+1], hostport[end+1:]
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return d, fmt.Errorf("%w: %q: bad IPv6 address", ErrDestination, s)
		}
		if port != "" {
			if port[0] != ':' {
				return d, fmt.Errorf("%w: %q", ErrDestination, s)
			}
			port = port[1:]
		}
	} else if i := strings.IndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if !strings.HasPrefix(host, "[") && !isHostname(host) {
		return d, fmt.Errorf("%w: %q: bad host", ErrDestination, s)
	}
	d.Host = host
	if port != "" || strings.HasSuffix(hostport, ":") {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 || port[0] == '+' {
			return d, fmt.Errorf("%w: %q: bad port", ErrDestination, s)
		}
		d.Port = uint16(n)
	}
	return d, nil
}

// isHostname accepts an IPv4 address or an RFC 3261 hostname: labels of
// letters, digits and '-', separated by dots, not starting or ending with
// '-'.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	s = strings.TrimSuffix(s, ".")
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// rejectReasons are the reason phrases of the allowed reject codes.
var rejectReasons = map[int]string{
	403: "Forbidden",
	404: "Not Found",
	603: "Decline",
	608: "Rejected",
}

// isToken reports whether s is an RFC 3261 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("-.!%*_+`'~", rune(c)) {
			return false
		}
	}
	return true
}
