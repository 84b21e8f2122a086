package sip

// parseStartLine reads a request line (Method SP Request-URI SP SIP-Version)
// or a status line (SIP-Version SP Status-Code SP Reason-Phrase), allowing
// runs of SP/HTAB between and around the parts.
func parseStartLine(line string, m *Message) {
	line = trimWS(line)
	if line == "" {
		m.Err = ErrNoStartLine
		return
	}
	first, rest := cutField(line)
	if hasPrefixLower(first, "sip/") {
		parseStatusLine(first, rest, m)
		return
	}

	// Request line: the version is the last field, the URI all between.
	var uri, version string
	if i := lastWSP(rest); i >= 0 {
		uri, version = trimRightWS(rest[:i]), rest[i+1:]
	} else {
		uri = rest
	}
	methodOK := isToken(first)
	switch {
	case !methodOK || uri == "":
		m.Err = ErrNotSIP
		return
	case version == "":
		// "INVITE sip:x": SIP-shaped but without a version.
		m.Err = ErrBadStartLine
	case !hasPrefixLower(version, "sip/"):
		m.Err = ErrNotSIP // e.g. "GET / HTTP/1.1"; still record what it said
	}
	m.Method, m.RequestURI, m.Version = first, uri, version
	if hasWSP(uri) || !hasScheme(uri) {
		m.setErr(ErrBadStartLine)
	}
	if version != "" && !equalLower(version, "sip/2.0") {
		m.setErr(ErrBadVersion)
	}
}

func parseStatusLine(version, rest string, m *Message) {
	m.IsResponse = true
	m.Version = version
	code, reason := cutField(rest)
	m.Reason = reason
	if len(code) == 3 && isDigits(code) && code[0] >= '1' && code[0] <= '6' {
		m.StatusCode = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	} else {
		m.Err = ErrBadStartLine
	}
	if !equalLower(version, "sip/2.0") {
		m.setErr(ErrBadVersion)
	}
}

// cutField splits s (already trimmed) at its first run of SP/HTAB.
func cutField(s string) (field, rest string) {
	i := 0
	for i < len(s) && !isWSP(s[i]) {
		i++
	}
	field = s[:i]
	for i < len(s) && isWSP(s[i]) {
		i++
	}
	return field, s[i:]
}

func lastWSP(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if isWSP(s[i]) {
			return i
		}
	}
	return -1
}

func hasWSP(s string) bool {
	return lastWSP(s) >= 0
}

// hasScheme reports whether s starts with a URI scheme and colon:
// ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":".
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := lower(s[i])
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}
