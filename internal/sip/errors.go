package sip

import "errors"

// Errors set in [Message.Err]. Parse records the first problem it finds and
// keeps reading, so a message with an error still carries every field that
// could be read. Callers compare with [errors.Is].
//
// Deliberately not errors (they are transaction- or application-layer
// matters, or harmless to a honeypot): missing mandatory headers, a CSeq
// method that differs from the request method, out-of-range numbers in CSeq,
// Max-Forwards or Expires, unknown URI schemes, malformed Via or header
// parameters, unbalanced quotes or stray spaces in name-addrs, and a body
// longer than Content-Length.
var (
	// ErrNoStartLine: the input is empty or holds only whitespace and line
	// breaks (e.g. a CRLF keep-alive).
	ErrNoStartLine = errors.New("sip: no start line")
	// ErrNotSIP: the start line is neither a SIP request line nor a SIP
	// status line (binary junk, HTTP, a lone word).
	ErrNotSIP = errors.New("sip: not a SIP message")
	// ErrBadStartLine: the start line names a SIP version but is otherwise
	// malformed: a method that is not a token, a Request-URI with spaces or
	// without a scheme, a missing SIP version, or a status code that is not
	// three digits from 100 to 699.
	ErrBadStartLine = errors.New("sip: malformed start line")
	// ErrBadVersion: the SIP version is not SIP/2.0.
	ErrBadVersion = errors.New("sip: unsupported SIP version")
	// ErrBadHeader: a header line without a colon, with an empty or
	// non-token name, or a continuation line with nothing to continue.
	ErrBadHeader = errors.New("sip: malformed header line")
	// ErrDuplicateHeader: From, To, Call-ID, CSeq or Content-Length appears
	// more than once; the first one is kept.
	ErrDuplicateHeader = errors.New("sip: repeated single-value header")
	// ErrBadContentLength: Content-Length is not a decimal number below 2^31.
	ErrBadContentLength = errors.New("sip: malformed Content-Length")
	// ErrTooManyHeaders: more than [MaxHeaderLines] header lines; the rest of
	// the message is not read.
	ErrTooManyHeaders = errors.New("sip: too many header lines")
	// ErrTruncated: the headers are not ended by a blank line, or the body is
	// shorter than Content-Length.
	ErrTruncated = errors.New("sip: truncated message")
)

// Limits that bound the work and memory of [Parse] whatever the input.
const (
	// MaxVias is the most Via header lines kept in [Message.Vias]; later
	// ones are dropped silently (RFC 3261 allows up to 70 hops, RFC 4475's
	// longreq has 34).
	MaxVias = 64
	// MaxHeaderLines is the most header lines (continuation lines included)
	// read after the start line.
	MaxHeaderLines = 256
)
