package sip

import "strings"

// hdr identifies the headers Parse keeps.
type hdr uint8

const (
	hdrNone  hdr = iota // no header open (start, or after a bad line)
	hdrOther            // a header Parse skips
	hdrFrom
	hdrTo
	hdrCallID
	hdrCSeq
	hdrContentLength
	hdrVia
	hdrContact
	hdrUserAgent
	hdrAuthorization
)

// headerKind maps a header name, in any case, long or compact form
// (RFC 3261 7.3.3), to what Parse keeps of it. The compact forms k, s, c and
// e (Supported, Subject, Content-Type, Content-Encoding) are skipped like
// their long forms.
func headerKind(name string) hdr {
	switch len(name) {
	case 1:
		switch lower(name[0]) {
		case 'f':
			return hdrFrom
		case 't':
			return hdrTo
		case 'i':
			return hdrCallID
		case 'v':
			return hdrVia
		case 'm':
			return hdrContact
		case 'l':
			return hdrContentLength
		}
	case 2:
		if equalLower(name, "to") {
			return hdrTo
		}
	case 3:
		if equalLower(name, "via") {
			return hdrVia
		}
	case 4:
		switch {
		case equalLower(name, "from"):
			return hdrFrom
		case equalLower(name, "cseq"):
			return hdrCSeq
		}
	case 7:
		switch {
		case equalLower(name, "call-id"):
			return hdrCallID
		case equalLower(name, "contact"):
			return hdrContact
		}
	case 10:
		if equalLower(name, "user-agent") {
			return hdrUserAgent
		}
	case 13:
		if equalLower(name, "authorization") {
			return hdrAuthorization
		}
	case 14:
		if equalLower(name, "content-length") {
			return hdrContentLength
		}
	case 19:
		if equalLower(name, "proxy-authorization") {
			return hdrAuthorization
		}
	}
	return hdrOther
}

// openHeader is the header being read: its value spans msg[start:end],
// which covers continuation lines when folded is set.
type openHeader struct {
	kind       hdr
	start, end int
	folded     bool
}

// parseHeaders reads header lines from msg[p:] into m and returns the index
// where the body starts, or -1 when no blank line ended the headers.
func parseHeaders(msg string, p int, m *Message) int {
	var (
		cur  openHeader
		seen uint16 // bit per single-value header kind already stored
	)
	for n := 0; ; n++ {
		if p >= len(msg) {
			m.store(msg, cur, &seen)
			m.setErr(ErrTruncated)
			return -1
		}
		start := p
		line, next, _ := cutLine(msg, p)
		if line == "" {
			m.store(msg, cur, &seen)
			return next
		}
		if n == MaxHeaderLines {
			m.store(msg, cur, &seen)
			m.setErr(ErrTooManyHeaders)
			return -1
		}
		p = next
		if isWSP(line[0]) { // LWS folding: continues the open header
			if cur.kind == hdrNone {
				m.setErr(ErrBadHeader)
			} else {
				cur.end, cur.folded = start+len(line), true
			}
			continue
		}
		m.store(msg, cur, &seen)
		cur = openHeader{}
		// field-name = token, then optional SP/HTAB, then ':'.
		i := 0
		for i < len(line) && isTokenChar(line[i]) {
			i++
		}
		name := line[:i]
		for i < len(line) && isWSP(line[i]) {
			i++
		}
		if name == "" || i == len(line) || line[i] != ':' {
			m.setErr(ErrBadHeader)
			continue
		}
		cur = openHeader{kind: headerKind(name), start: start + i + 1, end: start + len(line)}
	}
}

// store saves the value of a finished header into m.
func (m *Message) store(msg string, h openHeader, seen *uint16) {
	if h.kind <= hdrOther {
		return
	}
	v := msg[h.start:h.end]
	if h.folded {
		v = unfold(v)
	} else {
		v = trimWS(v)
	}
	switch h.kind {
	case hdrVia:
		if len(m.Vias) < MaxVias {
			m.Vias = append(m.Vias, v)
		}
		return
	case hdrContact:
		if m.Contact == "" {
			m.Contact = v
		}
		return
	case hdrUserAgent:
		if m.UserAgent == "" {
			m.UserAgent = v
		}
		return
	case hdrAuthorization:
		if m.Authorization == "" {
			m.Authorization = v
		}
		return
	}

	// Single-value headers: the first wins, a repeat is an error.
	bit := uint16(1) << h.kind
	if *seen&bit != 0 {
		m.setErr(ErrDuplicateHeader)
		return
	}
	*seen |= bit
	switch h.kind {
	case hdrFrom:
		m.From = v
	case hdrTo:
		m.To = v
	case hdrCallID:
		m.CallID = v
	case hdrCSeq:
		m.CSeq = v
		m.CSeqMethod = cseqMethod(v)
	case hdrContentLength:
		m.ContentLength = parseContentLength(v)
		if m.ContentLength < 0 {
			m.setErr(ErrBadContentLength)
		}
	}
}

// unfold joins the lines of a folded header value with single spaces,
// dropping the whitespace around each line and empty lines. A stray CR
// inside a line becomes a space, so the result holds no CR or LF. When only
// one line has content it is returned as is, without allocating.
func unfold(v string) string {
	parts, size := 0, 0
	var only string
	for rest := v; ; {
		line, after, more := strings.Cut(rest, "\n")
		if part := trimWS(line); part != "" {
			if parts > 0 {
				size++
			}
			size += len(part)
			parts++
			only = part
		}
		if !more {
			break
		}
		rest = after
	}
	if parts <= 1 {
		return only
	}
	var b strings.Builder
	b.Grow(size)
	for rest := v; ; {
		line, after, more := strings.Cut(rest, "\n")
		if part := trimWS(line); part != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			for i := 0; i < len(part); i++ {
				c := part[i]
				if c == '\r' {
					c = ' '
				}
				b.WriteByte(c)
			}
		}
		if !more {
			break
		}
		rest = after
	}
	return b.String()
}

// cseqMethod returns the method token of a CSeq value ("1 INVITE").
func cseqMethod(v string) string {
	_, rest := cutField(v)
	method, _ := cutField(rest)
	return method
}

// parseContentLength parses a decimal Content-Length, returning -1 when it
// is empty, not all digits, or 2^31 or more.
func parseContentLength(v string) int {
	if !isDigits(v) {
		return -1
	}
	var n int64 // 64 bits, so that 32-bit platforms cannot overflow
	for i := 0; i < len(v); i++ {
		n = n*10 + int64(v[i]-'0')
		if n >= 1<<31 {
			return -1
		}
	}
	return int(n)
}
