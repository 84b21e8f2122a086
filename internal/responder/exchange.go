package responder

import (
	"net/netip"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// exchange is one request being answered: the message, where it came from,
// and what was read from it to build the responses.
type exchange struct {
	m    *sip.Message
	src  netip.Addr // unmapped, no zone
	port uint16
	now  time.Time

	// viaHead is the sent-protocol and sent-by of the top Via, viaParams
	// its parameters without the first ';'.
	viaHead, viaParams string
	toHasTag           bool

	// The To tag and nonce, computed on first use: a response may be
	// built in several forms.
	toTag     [toTagLen]byte
	nonce     [nonceLen]byte
	haveTag   bool
	haveNonce bool
}

// appendToTag appends the To tag for the request to b.
func (x *exchange) appendToTag(b []byte, r *Responder) []byte {
	if !x.haveTag {
		r.appendToTag(x.toTag[:0], x.m.CallID) // fills the array: same length
		x.haveTag = true
	}
	return append(b, x.toTag[:]...)
}

// appendNonce appends the nonce for this request's challenge to b.
func (x *exchange) appendNonce(b []byte, r *Responder) []byte {
	if !x.haveNonce {
		r.appendNonce(x.nonce[:0], x.src, x.now) // fills the array: same length
		x.haveNonce = true
	}
	return append(b, x.nonce[:]...)
}

// parse checks that every header echoed in a response is present and
// well-formed (a response with a broken Via cannot be routed anyway, and a
// value with a line break would inject headers), and splits the top Via.
func (x *exchange) parse() bool {
	m := x.m
	if !x.src.IsValid() || len(m.Vias) == 0 ||
		!oneLine(m.CallID) || !oneLine(m.CSeq) || !oneLine(m.From) || !oneLine(m.To) ||
		!validCallID(m.CallID) || !validCSeq(m.CSeq) || !validAddress(m.From) || !validAddress(m.To) {
		return false
	}
	for _, line := range m.Vias {
		if !oneLine(line) || !closedQuotes(line) {
			return false
		}
		for rest, more := line, true; more; {
			var via string
			via, rest, more = sip.CutUnquoted(rest, ',')
			if !validVia(via) {
				return false
			}
		}
	}
	top, _, _ := sip.CutUnquoted(m.Vias[0], ',')
	head, params, _ := sip.CutUnquoted(top, ';')
	x.viaHead, x.viaParams = strings.TrimSpace(head), params
	x.toHasTag = hasTag(m.To)
	return true
}
