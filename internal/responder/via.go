package responder

import (
	"strconv"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// appendTopVia appends the request's top Via with the source address
// recorded in it: received=<source IP> always (RFC 3581 requires it
// whenever rport is asked for, and it is harmless otherwise; any received
// the sender wrote is replaced), and rport=<source port> in place of a
// bare rport (RFC 3581 4). A Via that already has an rport value keeps it.
//
// An IPv6 received is written without brackets: RFC 3261's grammar is
// via-received = "received" EQUAL (IPv4address / IPv6address), and
// RFC 5118 4.5 asks receivers to accept both spellings.
func appendTopVia(b []byte, x *exchange) []byte {
	b = append(b, x.viaHead...)
	for rest := x.viaParams; rest != ""; {
		p, next, more := sip.CutUnquoted(rest, ';')
		p = strings.TrimSpace(p)
		name, _, hasValue := strings.Cut(p, "=")
		name = strings.TrimSpace(name)
		switch {
		case p == "", strings.EqualFold(name, "received"):
		case strings.EqualFold(name, "rport") && !hasValue:
			b = append(b, ";rport="...)
			b = strconv.AppendUint(b, uint64(x.port), 10)
		default:
			b = append(b, ';')
			b = append(b, p...)
		}
		if !more {
			break
		}
		rest = next
	}
	b = append(b, ";received="...)
	return x.src.AppendTo(b)
}
