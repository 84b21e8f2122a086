// Package sip is a tolerant SIP message reader for the honeypot's packet
// path: it extracts what a probe says (method, URIs, the called number,
// identifying headers) from whatever bytes arrive, never panics, and never
// allocates more than a small constant beyond the message itself.
//
// It is deliberately not a full RFC 3261 parser: scanners send junk on
// purpose, and a probe is worth recording even when it is malformed.
package sip

// Message is what [Parse] could read of one SIP message. String fields are
// substrings of the input (except folded header values, which are joined),
// so a Message keeps its input alive.
type Message struct {
	// IsResponse is true when the start line is a status line.
	IsResponse bool
	// Method and RequestURI are set for requests.
	Method     string
	RequestURI string
	// StatusCode and Reason are set for responses.
	StatusCode int
	Reason     string
	// Version is the SIP version token of the start line, e.g. "SIP/2.0".
	Version string

	From   string // From header value, e.g. `"alice" <sip:100@1.1.1.1>;tag=abc`
	To     string
	CallID string
	// CSeq is the whole header value ("1 INVITE"); CSeqMethod its method part.
	CSeq       string
	CSeqMethod string
	UserAgent  string
	Contact    string
	// Vias holds every Via header value in order, one entry per header line
	// (a line with comma-separated vias stays one entry). Parse reuses the
	// slice's storage.
	Vias []string
	// Authorization is the Authorization (or Proxy-Authorization) header value.
	Authorization string
	// ContentLength is the Content-Length value, or -1 when absent.
	ContentLength int
	// Body is what follows the blank line, cut to ContentLength when that is
	// given and fits.
	Body string

	// CalledNumber is the user part of the Request-URI, else of the To URI,
	// as sent (possibly empty).
	CalledNumber string

	// Err is nil when the message parsed as SIP; otherwise it says what was
	// wrong, and the fields above hold whatever could be read.
	Err error
}
