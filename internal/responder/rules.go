package responder

import (
	"errors"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// reply is one response to build, before it is written in some form.
type reply struct {
	code   int
	reason string
	// toTag adds a To tag when the request's To has none (all but 100).
	toTag bool
	allow allowMode
	// offer adds Accept and Supported (OPTIONS; optional headers).
	offer bool
	// challenge adds a WWW-Authenticate digest challenge.
	challenge bool
}

type allowMode uint8

const (
	noAllow       allowMode = iota
	optionalAllow           // dropped when the response must shrink
	requiredAllow           // 405 MUST carry Allow (RFC 3261 21.4.6)
)

// allowed is the Allow header value: the methods we answer with more
// than 405/501.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"

// plan writes the responses for x's request into out, in wire order, and
// returns how many there are. x has been parsed; its method is not ACK.
func (r *Responder) plan(x *exchange, out *[2]reply) int {
	m := x.m
	switch {
	case errors.Is(m.Err, sip.ErrBadVersion):
		out[0] = reply{code: 505, reason: "Version Not Supported", toTag: true}
		return 1
	case m.Err != nil:
		out[0] = reply{code: 400, reason: "Bad Request", toTag: true}
		return 1
	}
	switch m.Method {
	case "OPTIONS":
		// Always 200: a scanner's OPTIONS ping (svmap) must find a live
		// PBX, whatever user it names.
		out[0] = reply{code: 200, reason: "OK", toTag: true, allow: optionalAllow, offer: true}
	case "REGISTER":
		// svwar lists an extension only when its answer differs from the
		// one to its random 8-to-10-digit baseline, and gives up when the
		// baseline is challenged; so non-extensions get 404, extensions
		// a challenge.
		//
		// A REGISTER that returns a valid nonce gets a fresh 401 rather
		// than 403: the password is always wrong, and a new challenge is
		// what Asterisk's PJSIP (the PBX we pose as) sends. svcrack takes
		// the new nonce for its next password at once (with 403 it would
		// first send an unauthenticated REGISTER to get one), so each
		// guess costs it one round trip and every guess is recorded.
		if !r.extension(addressUser(m.To)) {
			out[0] = reply{code: 404, reason: "Not Found", toTag: true}
		} else {
			out[0] = reply{code: 401, reason: "Unauthorized", toTag: true, challenge: true}
		}
	case "INVITE":
		// Neither 404 nor a challenge: a toll-fraud tool that meets
		// "busy" or "unavailable" sees a PBX that routes its calls and
		// keeps dialling (often the same numbers again later). The two
		// codes differ so that svwar -m INVITE can still tell extensions
		// (480: the phone is not registered) from its baseline (486);
		// svwar does not accept 480 as a baseline answer.
		out[0] = reply{code: 100, reason: "Trying"}
		user := uriUser(m.RequestURI)
		if user == "" {
			user = addressUser(m.To)
		}
		if r.extension(user) {
			out[1] = reply{code: 480, reason: "Temporarily Unavailable", toTag: true}
		} else {
			out[1] = reply{code: 486, reason: "Busy Here", toTag: true}
		}
		return 2
	case "CANCEL", "BYE":
		// We never keep a transaction or dialog to cancel or end.
		out[0] = reply{code: 481, reason: "Call/Transaction Does Not Exist", toTag: true}
	case "SUBSCRIBE", "NOTIFY", "MESSAGE", "INFO", "PUBLISH", "REFER", "UPDATE", "PRACK":
		// Known methods we do not offer. 200 would be wrong for most of
		// them (a 200 to SUBSCRIBE needs Expires and a subscription, to
		// PRACK or UPDATE a dialog), and 405 is what Allow already says.
		out[0] = reply{code: 405, reason: "Method Not Allowed", toTag: true, allow: requiredAllow}
	default:
		// RFC 3261 8.2.1: an unrecognised method gets 501.
		out[0] = reply{code: 501, reason: "Not Implemented", toTag: true, allow: optionalAllow}
	}
	return 1
}
