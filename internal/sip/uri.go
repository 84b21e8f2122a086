package sip

import "strings"

// userPart returns the user part of the URI in v, which is a bare URI (a
// Request-URI) or a header value in name-addr or addr-spec form. For sip:
// and sips: URIs it is the text between the scheme's colon and '@', cut at
// the first ';' (user parameters) or ':' (a password); for tel: URIs the
// number up to ';'. Other schemes, and URIs without a user, give "".
// The result is a substring of v, still percent-encoded as sent.
func userPart(v string) string {
	s := trimWS(v)
	if s == "" {
		return ""
	}
	// A quoted display name may hold '<'; skip it when it is closed.
	if s[0] == '"' {
		if end := closingQuote(s); end > 0 {
			s = s[end+1:]
		}
	}
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '>'); j >= 0 {
			s = s[:j]
		}
		s = trimWS(s)
	} else {
		// addr-spec: the URI ends at whitespace, before header parameters
		// separated by spaces ("sip:a@b ;tag=1").
		for i := 0; i < len(s); i++ {
			if isWSP(s[i]) {
				s = s[:i]
				break
			}
		}
	}

	switch {
	case hasPrefixLower(s, "sip:"):
		s = s[4:]
	case hasPrefixLower(s, "sips:"):
		s = s[5:]
	case hasPrefixLower(s, "tel:"):
		s = s[4:]
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[:i]
		}
		return s
	default:
		return ""
	}
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return ""
	}
	s = s[:at]
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == ':' {
			return s[:i]
		}
	}
	return s
}

// closingQuote returns the index of the quote closing the quoted string at
// the start of s, honouring backslash escapes, or -1 when it is unclosed.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
