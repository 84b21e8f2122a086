package record

import "errors"

// Reasons a record is refused. Errors from [Marshal], [Unmarshal] and
// [Validate] wrap exactly one of them; [Reason] turns it into a metrics
// label.
var (
	ErrSignature = errors.New("record: bad signature")
	ErrStale     = errors.New("record: stale")
	ErrFuture    = errors.New("record: from the future")
	ErrIP        = errors.New("record: bad source ip")
	ErrNumber    = errors.New("record: bad called number")
	ErrField     = errors.New("record: bad field")
	ErrCount     = errors.New("record: bad count")
	// ErrEncoding and ErrVersion come from [Unmarshal] only.
	ErrEncoding = errors.New("record: malformed encoding")
	ErrVersion  = errors.New("record: unknown version")
)

// Reason returns a short, fixed label for the sentinel that err wraps
// ("signature", "stale", "future", "ip", "number", "field", "count",
// "encoding", "version"), "" for nil and "other" for anything else. The
// labels are few and fixed, so they suit metrics labels.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrSignature):
		return "signature"
	case errors.Is(err, ErrStale):
		return "stale"
	case errors.Is(err, ErrFuture):
		return "future"
	case errors.Is(err, ErrIP):
		return "ip"
	case errors.Is(err, ErrNumber):
		return "number"
	case errors.Is(err, ErrField):
		return "field"
	case errors.Is(err, ErrCount):
		return "count"
	case errors.Is(err, ErrEncoding):
		return "encoding"
	case errors.Is(err, ErrVersion):
		return "version"
	}
	return "other"
}
