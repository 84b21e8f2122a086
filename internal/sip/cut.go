package sip

// CutUnquoted is strings.Cut for a separator outside quoted strings (a
// display name may hold any separator), honouring backslash escapes inside
// them.
func CutUnquoted(s string, sep byte) (before, after string, found bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
