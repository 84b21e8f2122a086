package logsink

import (
	"errors"
	"fmt"
	"runtime"
	"unicode/utf8"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// ErrSyslogUnsupported is returned by [OpenSyslog] on platforms without
// syslog (windows, plan9).
var ErrSyslogUnsupported = errors.New("logsink: syslog is not supported on " + runtime.GOOS)

// defaultTag is the original's openlog(3) ident.
const defaultTag = "sentrypeer"

// SyslogConfig says where the [Syslog] sink sends its lines.
type SyslogConfig struct {
	// Network is "udp", "tcp" (or their 4/6 variants), "unix" or
	// "unixgram". Empty (with an empty Address) means the local syslog
	// daemon's socket (/dev/log, /var/run/syslog or /var/run/log), as the
	// original's syslog(3).
	Network string
	// Address is host:port for udp and tcp, a socket path for unix and
	// unixgram. Empty with an empty Network.
	Address string
	// Tag is the program name in every line. Default "sentrypeer".
	Tag string
}

func (c SyslogConfig) validate() error {
	switch c.Network {
	case "":
		if c.Address != "" {
			return fmt.Errorf("logsink: syslog address %q without a network", c.Address)
		}
		return nil
	case "udp", "udp4", "udp6", "tcp", "tcp4", "tcp6", "unix", "unixgram":
		if c.Address == "" {
			return fmt.Errorf("logsink: syslog network %q without an address", c.Network)
		}
		return nil
	}
	return fmt.Errorf("logsink: unknown syslog network %q", c.Network)
}

// SyslogStats counts what a [Syslog] sink did.
type SyslogStats struct {
	Sent     uint64 // lines handed to the syslog connection
	Dropped  uint64 // events lost: no connection, a write error, or after Close
	Connects uint64 // successful connections, the first one included
}

// Attacker-controlled fields are cut to these many bytes in the syslog line:
// syslog over UDP commonly truncates or drops datagrams past 1-2 KiB, and a
// truncated line is worth more than a lost one.
const (
	maxSyslogMethod = 64
	maxSyslogAgent  = 512
)

// appendSyslogLine appends the original's line for e (bad_actor.c:
// "Source IP: %s, Method: %s, Agent: %s"), without the trailing newline,
// which log/syslog adds. Absent values read "NOT_FOUND", the original's
// placeholder, so that every field is a non-empty token.
func appendSyslogLine(b []byte, e *event.Event) []byte {
	b = append(b, "Source IP: "...)
	if src := e.Source.Addr().Unmap(); src.IsValid() {
		b = src.AppendTo(b)
	} else {
		b = append(b, notFound...)
	}
	b = append(b, ", Method: "...)
	b = appendSanitised(b, orNotFound(e.Method), maxSyslogMethod)
	b = append(b, ", Agent: "...)
	return appendSanitised(b, orNotFound(e.UserAgent), maxSyslogAgent)
}

// appendSanitised appends at most limit bytes of s with every control
// character (C0, DEL, C1), U+2028, U+2029 and every invalid UTF-8 byte
// replaced by '?'.
//
// Why: the method and user agent are attacker data, and the syslog line is
// read by line-based tools such as fail2ban. A CR or LF (or a Unicode line
// separator) would let a probe start a forged line, e.g. one naming someone
// else's address after "Source IP:", and get that address banned. Other
// control characters confuse terminals and log viewers.
func appendSanitised(b []byte, s string, limit int) []byte {
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		out := s[i : i+size]
		if r == utf8.RuneError && size == 1 || r < 0x20 || r >= 0x7f && r < 0xa0 ||
			r == '\u2028' || r == '\u2029' {
			out = "?"
		}
		if n+len(out) > limit {
			break
		}
		b = append(b, out...)
		n += len(out)
		i += size
	}
	return b
}
