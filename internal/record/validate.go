package record

import (
	"fmt"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// Default limits, used for the zero fields of [Limits].
const (
	DefaultMaxAge  = 7 * 24 * time.Hour
	DefaultMaxSkew = 2 * time.Minute
)

// Limits are the policy knobs of [Validate]. The zero value is the
// defaults: public sources only, 7 days, 2 minutes.
type Limits struct {
	// MaxAge is how old LastSeen may be; older records are stale. Zero or
	// negative means DefaultMaxAge (7 days).
	MaxAge time.Duration
	// MaxSkew is how far FirstSeen and LastSeen may be ahead of now (clock
	// skew between nodes); further is "future". Zero or negative means
	// DefaultMaxSkew (2 minutes).
	MaxSkew time.Duration
	// AllowPrivate accepts sources that are private, loopback, link-local,
	// multicast, documentation or otherwise not globally routable (see
	// [CheckIP]); for tests and LAN deployments.
	AllowPrivate bool
}

func (l Limits) maxAge() time.Duration {
	if l.MaxAge <= 0 {
		return DefaultMaxAge
	}
	return l.MaxAge
}

func (l Limits) maxSkew() time.Duration {
	if l.MaxSkew <= 0 {
		return DefaultMaxSkew
	}
	return l.MaxSkew
}

// Validate reports whether r may be stored and relayed at time now:
//
//   - SourceIP passes [CheckIP] with l.AllowPrivate ([ErrIP]);
//   - CalledNumber is already normalised by [sip.NormaliseNumber], hence at
//     most [MaxNumberLen] bytes ([ErrNumber]);
//   - Method is empty or an RFC 3261 token of at most [MaxMethodLen] bytes;
//     UserAgent has no NUL and at most [MaxUserAgentLen] bytes; Transport is
//     UDP, TCP or TLS; FirstSeen is not after LastSeen and both can be
//     encoded ([ErrField]);
//   - Count is at least 1 ([ErrCount]);
//   - LastSeen is not before now - l.MaxAge ([ErrStale]) and neither time is
//     after now + l.MaxSkew ([ErrFuture]);
//   - Signature is Reporter's Ed25519 signature over
//     [Record.SigningBytes] ([ErrSignature]).
//
// The signature is checked last because it is by far the most expensive
// check (tens of microseconds): junk is refused cheaply, so a record both
// forged and stale is reported as stale. The error wraps exactly one
// sentinel; [Reason] gives its label. Validate does not modify r and is
// safe for concurrent use.
func Validate(r *Record, now time.Time, l Limits) error {
	if r == nil {
		return fmt.Errorf("validating record: nil: %w", ErrField)
	}
	if err := validateFields(r); err != nil {
		return fmt.Errorf("validating record: %w", err)
	}
	if err := validateTimes(r, now, l); err != nil {
		return fmt.Errorf("validating record: %w", err)
	}
	if err := CheckIP(r.SourceIP, l.AllowPrivate); err != nil {
		return fmt.Errorf("validating record: %w", err)
	}
	if !r.verify() {
		return fmt.Errorf("validating record: signature does not verify: %w", ErrSignature)
	}
	return nil
}

func validateFields(r *Record) error {
	switch {
	case len(r.CalledNumber) > MaxNumberLen:
		return fmt.Errorf("called number is %d bytes, over %d: %w", len(r.CalledNumber), MaxNumberLen, ErrNumber)
	case sip.NormaliseNumber(r.CalledNumber) != r.CalledNumber:
		return fmt.Errorf("called number %q is not normalised: %w", r.CalledNumber, ErrNumber)
	case len(r.Method) > MaxMethodLen:
		return fmt.Errorf("method is %d bytes, over %d: %w", len(r.Method), MaxMethodLen, ErrField)
	case r.Method != "" && !isToken(r.Method):
		return fmt.Errorf("method %q is not a token: %w", r.Method, ErrField)
	case len(r.UserAgent) > MaxUserAgentLen:
		return fmt.Errorf("user agent is %d bytes, over %d: %w", len(r.UserAgent), MaxUserAgentLen, ErrField)
	case strings.IndexByte(r.UserAgent, 0) >= 0:
		return fmt.Errorf("user agent has a NUL byte: %w", ErrField)
	case r.Transport != event.UDP && r.Transport != event.TCP && r.Transport != event.TLS:
		return fmt.Errorf("transport %d: %w", r.Transport, ErrField)
	case r.Count == 0:
		return fmt.Errorf("count is 0: %w", ErrCount)
	}
	return nil
}

func validateTimes(r *Record, now time.Time, l Limits) error {
	switch {
	case !encodableTime(r.FirstSeen) || !encodableTime(r.LastSeen):
		return fmt.Errorf("time out of range: %w", ErrField)
	case r.FirstSeen.After(r.LastSeen):
		return fmt.Errorf("first seen %v after last seen %v: %w", r.FirstSeen, r.LastSeen, ErrField)
	case r.LastSeen.Before(now.Add(-l.maxAge())):
		return fmt.Errorf("last seen %v is over %v before %v: %w", r.LastSeen, l.maxAge(), now, ErrStale)
	case r.LastSeen.After(now.Add(l.maxSkew())):
		// FirstSeen <= LastSeen, so this covers both.
		return fmt.Errorf("last seen %v is over %v after %v: %w", r.LastSeen, l.maxSkew(), now, ErrFuture)
	}
	return nil
}
