package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

// defaultAPIListen is the default of the daemon's --api-listen setting
// (internal/config); a test keeps the two equal.
const defaultAPIListen = apiclient.DefaultAddr

// retryPolicy is the command line's: a 429 (come back later) and a
// transport error (a daemon restarting, say) are retried, briefly; a 503 is
// not, as the daemon sends it when a query ran out of time, which a retry
// repeats.
func retryPolicy() apiclient.RetryPolicy {
	return apiclient.RetryPolicy{
		MinBackoff: 100 * time.Millisecond,
		MaxBackoff: 2 * time.Second,
		Statuses:   []int{http.StatusTooManyRequests},
	}
}

// apiBase returns the API base URL: flagValue when set (http:// is added
// when it has no scheme), else http:// plus SENTRYPEER_API_LISTEN, else the
// daemon's default address. An unspecified listen address (0.0.0.0, ::) is
// reached over loopback.
func apiBase(flagValue string, env func(string) (string, bool)) (*url.URL, error) {
	if flagValue != "" {
		raw := flagValue
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("invalid --api %q: %w", flagValue, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("invalid --api %q: want http://HOST:PORT or https://HOST:PORT[/PATH]", flagValue)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		return u, nil
	}
	listen := defaultAPIListen
	if v, ok := env("SENTRYPEER_API_LISTEN"); ok && v != "" {
		listen = v
	}
	if _, err := netip.ParseAddrPort(listen); err != nil {
		return nil, fmt.Errorf("invalid SENTRYPEER_API_LISTEN %q: %w", listen, err)
	}
	base, err := apiclient.BaseURLFromListen(listen)
	if err != nil {
		return nil, err
	}
	return url.Parse(base)
}

// client builds the API client from the common flags and the environment.
func (r *runner) client(c *common) (*apiclient.Client, error) {
	base, err := apiBase(c.api, r.env)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	key := c.apiKey
	if key == "" {
		key, _ = r.env("SENTRYPEER_API_KEY")
	}
	return apiclient.New(apiclient.Config{
		BaseURL:    base.String(),
		APIKey:     strings.TrimSpace(key),
		Timeout:    r.timeout,
		StreamIdle: r.streamIdle,
		Retry:      retryPolicy(),
	})
}

// hint says what usually causes err: a missing key, or no daemon.
func hint(err error) string {
	if ae, ok := errors.AsType[*apiclient.APIError](err); ok && ae.StatusCode == http.StatusUnauthorized {
		if ae.Method != http.MethodGet {
			return " (changes need the admin key: run where --data-dir holds admin.key, or set --api-key)"
		}
		return " (set --api-key or SENTRYPEER_API_KEY)"
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return " (is sentrypeer running with its API on? see --api and SENTRYPEER_API_LISTEN)"
	}
	return ""
}
