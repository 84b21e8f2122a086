package sipagent

import (
	"net/netip"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// isKeepAlive reports whether msg is only line breaks and spaces (a CRLF
// keep-alive, RFC 5626 4.4.1).
func isKeepAlive(msg string) bool {
	for i := 0; i < len(msg); i++ {
		switch msg[i] {
		case '\r', '\n', ' ', '\t':
		default:
			return false
		}
	}
	return true
}

// answerable reports whether a response to m can be built: it has the
// headers a response copies, each one line without control characters
// (so nothing can be injected into the response).
func answerable(m *sip.Message) bool {
	if len(m.Vias) == 0 || !oneLine(m.From) || !oneLine(m.To) || !oneLine(m.CallID) || !oneLine(m.CSeq) {
		return false
	}
	for _, v := range m.Vias {
		if !oneLine(v) {
			return false
		}
	}
	return true
}

// oneLine reports whether s is a non-empty header value without control
// characters other than tab.
func oneLine(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// caller returns the caller's address: the last header named
// Config.SourceHeader if it holds one, else the bottom Via's received
// parameter, else the bottom Via's host if it is an address.
func (a *Agent) caller(w *worker, msg string) (netip.Addr, bool) {
	if v, ok := lastHeader(msg, a.header); ok {
		if ip, ok := parseHost(v); ok {
			return ip, true
		}
	}
	line := w.m.Vias[len(w.m.Vias)-1]
	via := line
	for rest, more := line, true; more; {
		var v string
		v, rest, more = sip.CutUnquoted(rest, ',')
		if strings.TrimSpace(v) != "" {
			via = v
		}
	}
	return viaSource(via)
}

// lastHeader returns the value of the last header line of msg named name
// (case-insensitive; folded continuations are not joined).
func lastHeader(msg, name string) (string, bool) {
	var val string
	found := false
	_, rest, _ := strings.Cut(msg, "\n") // the start line
	for n := 0; rest != "" && n < sip.MaxHeaderLines; n++ {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break // end of headers
		}
		if len(line) <= len(name) || !strings.EqualFold(line[:len(name)], name) {
			continue
		}
		after := strings.TrimLeft(line[len(name):], " \t")
		if after == "" || after[0] != ':' {
			continue
		}
		val, found = strings.TrimSpace(after[1:]), true
	}
	return val, found
}

// viaSource reads one via-parm ("SIP/2.0/UDP host:port;received=ip;...")
// for the address it came from: received, else the sent-by host.
func viaSource(via string) (netip.Addr, bool) {
	sentBy, params, _ := strings.Cut(via, ";")
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, ok := strings.Cut(p, "=")
		if ok && strings.EqualFold(strings.TrimSpace(name), "received") {
			if ip, ok := parseHost(val); ok {
				return ip, true
			}
		}
	}
	if i := strings.LastIndexByte(sentBy, '/'); i >= 0 {
		sentBy = sentBy[i+1:] // after "SIP/2.0/"
	}
	sentBy = strings.TrimSpace(sentBy)
	if i := strings.IndexAny(sentBy, " \t"); i >= 0 { // after the transport
		sentBy = strings.TrimSpace(sentBy[i:])
	} else {
		return netip.Addr{}, false
	}
	return parseHost(sentBy)
}

// parseHost reads an address written as "ip", "ip:port", "[ipv6]" or
// "[ipv6]:port", unmapped and without zone.
func parseHost(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		s = s[1:end]
	} else if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// hasTag reports whether a From or To value has a tag parameter (outside
// the angle brackets of a name-addr).
func hasTag(v string) bool {
	if _, after, angled := sip.CutUnquoted(v, '<'); angled {
		end := strings.IndexByte(after, '>')
		if end < 0 {
			return false
		}
		v = after[end+1:]
	}
	_, rest, more := sip.CutUnquoted(v, ';')
	for more {
		var p string
		p, rest, more = sip.CutUnquoted(rest, ';')
		name, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "tag") {
			return true
		}
	}
	return false
}

// appendTag appends a To tag derived from the request (FNV-1a of Call-ID,
// From and CSeq), so that a retransmission gets the same response, as a
// stateless server must send (RFC 3261 8.2.6.2, 16.11).
func appendTag(b []byte, m *sip.Message) []byte {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, s := range [...]string{m.CallID, m.From, m.CSeq} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	const hex = "0123456789abcdef"
	b = append(b, "sp"...)
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hex[h>>uint(shift)&0xf])
	}
	return b
}

// appendUser appends a URI user part, escaping every byte the RFC 3261
// user rule does not allow as it is (so that a Contact stays well formed
// whatever the request said).
func appendUser(b []byte, user string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(user); i++ {
		c := user[i]
		if isUserChar(c) {
			b = append(b, c)
			continue
		}
		if c == '%' && i+2 < len(user) && isHex(user[i+1]) && isHex(user[i+2]) {
			b = append(b, user[i:i+3]...) // already escaped
			i += 2
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	return b
}

// isUserChar: unreserved and user-unreserved characters (RFC 3261 25.1).
func isUserChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("-_.!~*'()&=+$,?/", c) >= 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
