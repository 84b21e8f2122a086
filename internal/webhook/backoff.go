package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is the wait before retry n (from 0): full jitter, a random time
// up to min(hi, lo·2ⁿ), and at least a millisecond.
func backoff(n int, lo, hi time.Duration) time.Duration {
	ceil := hi
	if n < 32 && lo<<n > 0 && lo<<n < hi {
		ceil = lo << n
	}
	return max(time.Duration(rand.Int64N(int64(ceil)+1)), time.Millisecond)
}

// retryAfter reads a Retry-After header, seconds or an HTTP date, as a
// wait from now; ok is false when it is missing or unreadable.
func retryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, 1<<32)) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// refused reports whether status says the receiver will not take this
// body however often it is sent: a 4xx other than 401 (a token to renew),
// 408 (a timeout) and 429 (too many requests).
func refused(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusUnauthorized &&
		status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}
