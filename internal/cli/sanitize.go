package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// dangerous reports whether r must not reach a terminal as is: control
// characters (C0 including ESC, DEL, C1) can drive the terminal, and
// bidirectional formatting characters can make text read differently from
// what it is.
func dangerous(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069,
		r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// safeText returns s fit for a terminal: invalid UTF-8 becomes U+FFFD and
// every dangerous character is shown as a visible escape (\x1b, \u202e).
func safeText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || dangerous(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case !dangerous(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// cell returns s fit for one table cell: safe, "-" when empty, and cut to
// max runes (with "…") so that one long attacker string does not push every
// other column off the screen; max <= 0 means no cut.
func cell(s string, max int) string {
	if s == "" {
		return "-"
	}
	s = safeText(s)
	if max > 0 && utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

// listCell joins a list of API strings into one cell.
func listCell(list []string, max int) string {
	return cell(strings.Join(list, ","), max)
}

// timeCell shows an API time (RFC 3339) in UTC to the second.
func timeCell(s string) string {
	if s == "" {
		return "-"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return cell(s, 40)
	}
	return t.UTC().Format(time.RFC3339)
}

// atCell shows a time from the API in UTC to the second; "-" for none.
func atCell(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// safeJSON validates the JSON document b and returns it re-encoded (indented
// when indent is true, else on one line) with invalid UTF-8 replaced and DEL,
// C1 and bidirectional formatting characters escaped as \uXXXX. Valid JSON
// cannot hold raw C0 characters, and outside strings it is plain ASCII, so
// the result prints safely and decodes to the same values.
func safeJSON(b []byte, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	b = bytes.TrimRight(b, " \t\r\n") // Indent keeps trailing space
	if indent {
		err = json.Indent(&buf, b, "", "  ")
	} else {
		err = json.Compact(&buf, b)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSON from the API: %w", err)
	}
	src := buf.Bytes()
	if utf8.Valid(src) && !bytes.ContainsFunc(src, jsonEscaped) {
		return src, nil
	}
	out := make([]byte, 0, len(src)+16)
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case jsonEscaped(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, src[:size]...)
		}
		src = src[size:]
	}
	return out, nil
}

// jsonEscaped reports whether safeJSON escapes r. C0 characters are left
// alone: valid JSON holds them only as whitespace between tokens.
func jsonEscaped(r rune) bool { return r >= 0x7f && dangerous(r) }
