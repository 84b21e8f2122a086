package sip

import "strings"

// Parse reads msg as one SIP message into *m, overwriting every field. It
// reuses the storage of m.Vias and otherwise allocates only when a wanted
// header is folded over several lines (one string per such header).
//
// Parse never panics and does work linear in len(msg), bounded further by
// [MaxHeaderLines] and [MaxVias]. It accepts CRLF and bare LF line ends,
// ignores line breaks before the start line (RFC 3261 7.5), and tolerates
// extra whitespace. When msg is malformed or not SIP, m.Err holds the first
// problem found (one of the Err variables) and the other fields hold
// whatever could still be read; m.Err is nil for a well-formed message.
//
// A message is read up to its body: a datagram carrying two messages yields
// the first, with Body cut to its Content-Length.
//
// The fields of m refer into msg; m must not be used by another goroutine
// while Parse runs.
func Parse(msg string, m *Message) {
	clear(m.Vias) // do not keep the previous input alive through old entries
	*m = Message{Vias: m.Vias[:0], ContentLength: -1}

	p := 0
	for p < len(msg) && (msg[p] == '\r' || msg[p] == '\n') {
		p++
	}
	line, p, ok := cutLine(msg, p)
	parseStartLine(line, m)
	if m.Err == ErrNoStartLine {
		return
	}
	if ok {
		if body := parseHeaders(msg, p, m); body >= 0 {
			m.setBody(msg[body:])
		}
	} else {
		m.setErr(ErrTruncated)
	}
	m.CalledNumber = userPart(m.RequestURI)
	if m.CalledNumber == "" {
		m.CalledNumber = userPart(m.To)
	}
}

// cutLine returns the line of msg starting at p without its line end, the
// index after the line end, and whether a line end (LF) was found.
func cutLine(msg string, p int) (line string, next int, ok bool) {
	rest := msg[p:]
	i := strings.IndexByte(rest, '\n')
	if i < 0 {
		line, next = rest, len(msg)
	} else {
		line, next, ok = rest[:i], p+i+1, true
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, next, ok
}

func (m *Message) setErr(err error) {
	if m.Err == nil {
		m.Err = err
	}
}

// setBody cuts rest, everything after the blank line, to Content-Length.
func (m *Message) setBody(rest string) {
	switch {
	case m.ContentLength < 0:
		m.Body = rest
	case m.ContentLength <= len(rest):
		m.Body = rest[:m.ContentLength]
	default:
		m.Body = rest
		m.setErr(ErrTruncated)
	}
}
