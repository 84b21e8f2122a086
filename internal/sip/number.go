package sip

// MaxNumberLen is the longest result of [NormaliseNumber], in bytes.
const MaxNumberLen = 64

// NormaliseNumber turns a called number as sent (a [Message.CalledNumber],
// or a whole sip:, sips: or tel: URI) into a key for lookups and grouping:
// it strips the scheme, drops everything from the first ';' or '@',
// percent-decodes (%2B becomes +), removes visual separators and any other
// punctuation, lower-cases letters (extensions can be names), and keeps
// digits, '*', '#' and a leading '+'. Dial prefixes such as 00 or 011 are
// kept: they are part of what a toll-fraud probe tried.
//
// The result loses information, so callers keep the raw value alongside it
// (the event carries both). It is at most [MaxNumberLen] bytes; NormaliseNumber
// never panics and allocates only when the result differs from a substring
// of raw.
func NormaliseNumber(raw string) string {
	s := trimWS(raw)
	if s != "" && s[0] == '<' {
		s = s[1:]
	}
	switch {
	case hasPrefixLower(s, "sip:"), hasPrefixLower(s, "tel:"):
		s = s[4:]
	case hasPrefixLower(s, "sips:"):
		s = s[5:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == '@' {
			s = s[:i]
			break
		}
	}
	if isNormalNumber(s) {
		return s
	}

	var buf [MaxNumberLen]byte
	n := 0
	for i := 0; i < len(s) && n < len(buf); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				continue // a stray '%' is punctuation
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c == '*', c == '#':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '+' && n == 0:
		default:
			continue // separators - . ( ) space / and anything else
		}
		buf[n] = c
		n++
	}
	return string(buf[:n])
}

// isNormalNumber reports whether s is already its own normal form.
func isNormalNumber(s string) bool {
	if len(s) > MaxNumberLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c == '*', c == '#':
		case c == '+' && i == 0:
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
