package responder

import (
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// The checks here follow the RFC 3261 grammar (section 25) closely enough
// that a header that passes can be echoed in a response any SIP stack
// accepts. The honeypot's reader is lenient on purpose; echoing what it
// tolerates would make our answers malformed.

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isTokenChar reports whether c may appear in a token.
func isTokenChar(c byte) bool {
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return isAlnum(c)
}

// isURIChar reports whether c may appear in a URI (unreserved, reserved,
// '%' of an escape, and the brackets of an IPv6 reference).
func isURIChar(c byte) bool {
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')', ';', '/', '?', ':', '@', '&', '=', '+', '$', ',', '%', '[', ']':
		return true
	}
	return isAlnum(c)
}

// isParamValueChar reports whether c may appear in an unquoted parameter
// value: a token, or a host (with ':' and brackets for IPv6).
func isParamValueChar(c byte) bool {
	return isTokenChar(c) || c == ':' || c == '[' || c == ']'
}

// isHostChar reports whether c may appear in a host name or IPv4 address.
func isHostChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

func isHexOrColon(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':' || c == '.'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// all reports whether every byte of s is in class.
func all(s string, class func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !class(s[i]) {
			return false
		}
	}
	return true
}

func isToken(s string) bool { return s != "" && all(s, isTokenChar) }

func isLWS(c byte) bool { return c == ' ' || c == '\t' }

// quotedLen returns the length of the quoted-string s starts with, or -1.
// Control characters other than tab are refused, escaped or not.
func quotedLen(s string) int {
	if s == "" || s[0] != '"' {
		return -1
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		} else if c == '"' {
			return i + 1
		}
		if c < 0x20 && c != '\t' || c == 0x7f {
			return -1
		}
	}
	return -1
}

// closedQuotes reports whether every quoted string in s is closed.
func closedQuotes(s string) bool {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		}
	}
	return !quoted
}

// validHostPort reports whether s is host [":" port], host being a name,
// an IPv4 address or a bracketed IPv6 reference.
func validHostPort(s string) bool {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || !all(s[1:end], isHexOrColon) {
			return false
		}
		host, port = s[:end+1], s[end+1:]
		if port != "" && port[0] != ':' {
			return false
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i:]
		if !all(host, isHostChar) {
			return false
		}
	} else if !all(host, isHostChar) {
		return false
	}
	if port != "" {
		port = port[1:]
		if port == "" || len(port) > 5 || !all(port, isDigit) {
			return false
		}
	}
	return host != "" && host != "[]"
}

// validURI reports whether u is a URI with a valid scheme and only URI
// characters; for sip and sips, also a valid host and port.
func validURI(u string) bool {
	// RFC 3986 allows digits, '+', '-' and '.' in a scheme after its first
	// letter; sipgo does not, and no SIP-related scheme uses them.
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || scheme == "" || rest == "" || !all(scheme, isLetter) || !all(rest, isURIChar) {
		return false
	}
	if !strings.EqualFold(scheme, "sip") && !strings.EqualFold(scheme, "sips") {
		return true
	}
	// user@host:port;params?headers, the user ending at the first '@'.
	if at := strings.IndexByte(rest, '@'); at >= 0 && !strings.Contains(rest[:at], "[") {
		rest = rest[at+1:]
	}
	from := 0
	if strings.HasPrefix(rest, "[") {
		from = max(strings.IndexByte(rest, ']'), 0)
	}
	end := len(rest)
	for i := from; i < len(rest); i++ {
		if rest[i] == ';' || rest[i] == '?' {
			end = i
			break
		}
	}
	return validHostPort(rest[:end])
}

// validParams reports whether s is *( SEMI generic-param ), each param a
// token with an optional token, host or quoted-string value.
func validParams(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	if s[0] != ';' {
		return false
	}
	for rest := s[1:]; ; {
		p, next, more := sip.CutUnquoted(rest, ';')
		if !validParam(p) {
			return false
		}
		if !more {
			return true
		}
		rest = next
	}
}

func validParam(p string) bool {
	name, value, hasValue := strings.Cut(p, "=")
	if !isToken(strings.TrimSpace(name)) {
		return false
	}
	if !hasValue {
		return true
	}
	value = strings.TrimSpace(value)
	if n := quotedLen(value); n >= 0 {
		return n == len(value)
	}
	return value != "" && all(value, isParamValueChar)
}

// validAddress reports whether v is a From or To value: a name-addr
// ([display-name] "<" URI ">") or an addr-spec, then header parameters.
func validAddress(v string) bool {
	v = strings.TrimSpace(v)
	if strings.IndexByte(v, '<') < 0 && quotedLen(v) < 0 {
		uri, params, _ := strings.Cut(v, ";")
		if params != "" {
			params = ";" + params
		}
		return validURI(strings.TrimRight(uri, " \t")) && validParams(params)
	}
	// display-name = quoted-string / *(token LWS)
	rest := v
	if n := quotedLen(v); n >= 0 {
		rest = strings.TrimLeft(v[n:], " \t")
	} else {
		for rest != "" && rest[0] != '<' {
			i := 0
			for i < len(rest) && isTokenChar(rest[i]) {
				i++
			}
			if i == 0 {
				return false
			}
			rest = strings.TrimLeft(rest[i:], " \t")
		}
	}
	if rest == "" || rest[0] != '<' {
		return false
	}
	end := strings.IndexByte(rest, '>')
	return end > 0 && validURI(rest[1:end]) && validParams(rest[end+1:])
}

// validVia reports whether v is one via-parm: sent-protocol LWS sent-by
// *( SEMI via-params ).
func validVia(v string) bool {
	v = strings.TrimSpace(v)
	var field string
	for i := range 3 { // protocol name, version, transport
		sep := byte('/')
		if i == 2 {
			sep = ' '
		}
		j := strings.IndexByte(v, sep)
		if t := strings.IndexByte(v, '\t'); i == 2 && t >= 0 && (j < 0 || t < j) {
			j = t
		}
		if j < 0 {
			return false
		}
		field, v = strings.TrimSpace(v[:j]), strings.TrimLeft(v[j+1:], " \t")
		if !isToken(field) {
			return false
		}
	}
	sentBy, params, _ := strings.Cut(v, ";")
	if params != "" {
		params = ";" + params
	}
	return validHostPort(strings.TrimRight(sentBy, " \t")) && validParams(params)
}

// validCallID reports whether v is word ["@" word].
func validCallID(v string) bool {
	v = strings.TrimSpace(v)
	at := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '@' && !at && i > 0 && i < len(v)-1:
			at = true
		case isTokenChar(c):
		case c == '(' || c == ')' || c == '<' || c == '>' || c == ':' || c == '\\' || c == '"' ||
			c == '/' || c == '[' || c == ']' || c == '?' || c == '{' || c == '}':
		default:
			return false
		}
	}
	return v != ""
}

// validCSeq reports whether v is "number method" with a number that fits
// 31 bits (RFC 3261 8.1.1.5).
func validCSeq(v string) bool {
	v = strings.TrimSpace(v)
	i := 0
	var n uint64
	for ; i < len(v) && '0' <= v[i] && v[i] <= '9'; i++ {
		n = n*10 + uint64(v[i]-'0')
		if n > 1<<31-1 {
			return false
		}
	}
	if i == 0 || i == len(v) || !isLWS(v[i]) {
		return false
	}
	return isToken(strings.TrimLeft(v[i:], " \t"))
}
