package sip

// Character classes of RFC 3261 25.1, as bit sets over ASCII so that they
// are constants rather than package-level tables.
const (
	// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
	tokenLo uint64 = 1<<'!' | 1<<'%' | 1<<'\'' | 1<<'*' | 1<<'+' | 1<<'-' | 1<<'.' |
		(1<<10-1)<<'0'
	tokenHi uint64 = (1<<26-1)<<('A'-64) | 1<<('_'-64) | 1<<('`'-64) |
		(1<<26-1)<<('a'-64) | 1<<('~'-64)
)

func isTokenChar(c byte) bool {
	set := tokenLo
	if c >= 64 {
		set = tokenHi
	}
	return c < 128 && set>>(c&63)&1 != 0
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// isWSP reports SP or HTAB, the only bytes that start a folded line.
func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// isTrim reports the bytes trimmed around values: SP, HTAB and a stray CR.
func isTrim(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func trimWS(s string) string {
	i, j := 0, len(s)
	for i < j && isTrim(s[i]) {
		i++
	}
	for j > i && isTrim(s[j-1]) {
		j--
	}
	return s[i:j]
}

func trimRightWS(s string) string {
	j := len(s)
	for j > 0 && isTrim(s[j-1]) {
		j--
	}
	return s[:j]
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalLower reports whether s equals the lower-case ASCII string want,
// ignoring ASCII case in s.
func equalLower(s, want string) bool {
	if len(s) != len(want) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != want[i] {
			return false
		}
	}
	return true
}

// hasPrefixLower reports whether s starts with the lower-case ASCII string
// prefix, ignoring ASCII case in s.
func hasPrefixLower(s, prefix string) bool {
	return len(s) >= len(prefix) && equalLower(s[:len(prefix)], prefix)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
