package webhook

import (
	"net/http"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

// Config is what a [Webhook] posts, where, and how hard it tries.
type Config struct {
	// URL receives the POSTs. Required.
	URL string
	// Info names the program: app_name and app_version in every body, and
	// the User-Agent, "SentryPeer/" + Info.Version.
	Info logsink.AppInfo
	// Share fills in sip_message and destination_ip; both off (""),
	// the default, keep them on this node.
	Share logsink.Share
	// Batch is events per POST: 1 (the default) posts one JSON object,
	// more post JSON arrays of up to Batch objects.
	Batch int
	// Concurrency is batches in flight; default 1, strict order.
	Concurrency int
	// MaxQueue caps the events in the outbox; past it the oldest are
	// dropped. Default 100000.
	MaxQueue int
	// Secret, when set, signs each body (see [Sign]).
	Secret string
	// OAuth2, when set, gets the bearer token sent with every POST.
	OAuth2 *OAuth2
	// Timeout bounds each request, the token's included. Default 30s.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a retry: the n-th
	// retry waits a random time up to min(MaxBackoff, MinBackoff·2ⁿ).
	// A Retry-After is honoured up to MaxBackoff. Defaults 500ms and 5m.
	MinBackoff, MaxBackoff time.Duration
	// RefusedAttempts is how many refusals (4xx other than 401, 408 and
	// 429) drop a batch. Default 3.
	RefusedAttempts int
	// Client sends the requests; nil makes one with Timeout that does not
	// follow redirects.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// OAuth2 is a client of the OAuth2 client-credentials grant.
type OAuth2 struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Audience     string
}

const (
	defaultBatch           = 1
	defaultMaxQueue        = 100_000
	defaultTimeout         = 30 * time.Second
	defaultMinBackoff      = 500 * time.Millisecond
	defaultMaxBackoff      = 5 * time.Minute
	defaultRefusedAttempts = 3
)

func (c *Config) setDefaults() {
	if c.Batch < 1 {
		c.Batch = defaultBatch
	}
	if c.Concurrency < 1 {
		c.Concurrency = 1
	}
	if c.MaxQueue < 1 {
		c.MaxQueue = defaultMaxQueue
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = defaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = defaultMaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, c.MinBackoff)
	if c.RefusedAttempts < 1 {
		c.RefusedAttempts = defaultRefusedAttempts
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = c.Concurrency
		c.Client = &http.Client{
			Transport: tr,
			Timeout:   c.Timeout,
			// A redirected POST becomes a GET: not what the receiver
			// meant. The 3xx is retried like any other failure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
}
