package responder

import (
	"strconv"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// form is how much of a response to write.
type form uint8

// Forms, from longest to shortest. Server is the last thing given up: it
// is what makes the honeypot look like a PBX worth attacking (svmap prints
// it), while Allow (where optional), Accept, Supported and the challenge's
// algorithm and qop are optional (MD5 without qop is the digest default).
const (
	formFull    form = iota // every header
	formReduced             // without Allow (unless required), Accept, Supported, algorithm and qop
	formCompact             // reduced, with compact header names (RFC 3261 7.3.3)
	formMinimal             // compact, without Server
	formCount
)

// build appends rp for x, written in form f, to b.
func (r *Responder) build(b []byte, x *exchange, rp reply, f form) []byte {
	m := x.m
	full, compact := f == formFull, f >= formCompact
	name := func(b []byte, long, short string) []byte {
		if compact {
			return append(b, short...)
		}
		return append(b, long...)
	}

	b = append(b, "SIP/2.0 "...)
	b = strconv.AppendInt(b, int64(rp.code), 10)
	b = append(b, ' ')
	b = append(b, rp.reason...)
	b = append(b, "\r\n"...)

	// One Via per line: a comma-separated list is split (the same header,
	// RFC 3261 7.3.1), which some parsers (sipgo) need when a via in a
	// list has no parameter.
	top := true
	for _, line := range m.Vias {
		for rest, more := line, true; more; {
			var via string
			via, rest, more = sip.CutUnquoted(rest, ',')
			b = name(b, "Via: ", "v: ")
			if top {
				b = appendTopVia(b, x)
				top = false
			} else {
				b = append(b, strings.TrimSpace(via)...)
			}
			b = append(b, "\r\n"...)
		}
	}
	b = name(b, "From: ", "f: ")
	b = append(b, strings.TrimSpace(m.From)...)
	b = append(b, "\r\n"...)
	b = name(b, "To: ", "t: ")
	b = append(b, strings.TrimSpace(m.To)...)
	if rp.toTag && !x.toHasTag {
		b = append(b, ";tag="...)
		b = x.appendToTag(b, r)
	}
	b = append(b, "\r\n"...)
	b = name(b, "Call-ID: ", "i: ")
	b = append(b, strings.TrimSpace(m.CallID)...)
	b = append(b, "\r\nCSeq: "...)
	b = append(b, strings.TrimSpace(m.CSeq)...)
	b = append(b, "\r\n"...)

	if rp.challenge {
		// svcrack reads nonce="..", realm=".." and algorithm=..[,\r]
		// with regular expressions, and qop="auth" if present.
		b = append(b, `WWW-Authenticate: Digest realm="`...)
		b = append(b, r.realm...)
		b = append(b, `", nonce="`...)
		b = x.appendNonce(b, r)
		b = append(b, '"')
		if full {
			b = append(b, `, algorithm=MD5, qop="auth"`...)
		}
		b = append(b, "\r\n"...)
	}
	if rp.allow == requiredAllow || rp.allow == optionalAllow && full {
		b = append(b, "Allow: "+allowed+"\r\n"...)
	}
	if full && rp.offer {
		b = append(b, "Accept: application/sdp\r\nSupported: replaces, timer\r\n"...)
	}
	if f < formMinimal {
		b = append(b, "Server: "...)
		b = append(b, r.server...)
		b = append(b, "\r\n"...)
	}
	b = name(b, "Content-Length: 0\r\n\r\n", "l: 0\r\n\r\n")
	return b
}
