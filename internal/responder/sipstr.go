package responder

import (
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// oneLine reports whether s has no control character but tab, so that it
// can be written into one header line (a check kept in front of the
// grammar ones: header injection must never pass).
func oneLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// splitAddress splits a From or To value (name-addr or addr-spec) into its
// URI and its header parameters (the text after the URI, from the first
// ';'). ok is false when a '<' is not closed.
func splitAddress(v string) (uri, params string, ok bool) {
	_, after, angled := sip.CutUnquoted(v, '<')
	if angled {
		end := strings.IndexByte(after, '>')
		if end < 0 {
			return "", "", false
		}
		uri, params = after[:end], after[end+1:]
		if i := strings.IndexByte(params, ';'); i >= 0 {
			return uri, params[i:], true
		}
		return uri, "", true
	}
	// Without angle brackets, every ';' parameter is a header parameter
	// (RFC 3261 20.10).
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 {
		return v[:i], v[i:], true
	}
	return v, "", true
}

// hasTag reports whether a From or To value has a tag parameter.
func hasTag(v string) bool {
	_, params, _ := splitAddress(v)
	if params == "" {
		return false
	}
	rest := params[1:] // params starts with ';'
	for {
		p, next, more := sip.CutUnquoted(rest, ';')
		name, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "tag") {
			return true
		}
		if !more {
			return false
		}
		rest = next
	}
}

// uriUser returns the user part of a SIP URI ("sip:100@host" gives "100"),
// or the number of a tel URI, or "" when there is none.
func uriUser(uri string) string {
	uri = strings.TrimSpace(uri)
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return ""
	}
	if strings.EqualFold(scheme, "tel") {
		user, _, _ := strings.Cut(rest, ";")
		return user
	}
	at := strings.IndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	user, _, _ := strings.Cut(rest[:at], ":") // drop a password
	return user
}

// addressUser returns the user of the URI in a From or To value.
func addressUser(v string) string {
	uri, _, _ := splitAddress(v)
	return uriUser(uri)
}

// digestNonce returns the nonce parameter of a Digest Authorization value.
func digestNonce(auth string) (string, bool) {
	auth = strings.TrimSpace(auth)
	i := strings.IndexAny(auth, " \t")
	if i < 0 || !strings.EqualFold(auth[:i], "Digest") {
		return "", false
	}
	rest := auth[i:]
	for rest != "" {
		var p string
		p, rest, _ = sip.CutUnquoted(rest, ',')
		name, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "nonce") {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		return val, true
	}
	return "", false
}
