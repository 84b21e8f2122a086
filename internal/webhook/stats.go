package webhook

import "time"

// Stats is what a [Webhook] did since it was opened, and how it stands.
type Stats struct {
	// Queued is the events waiting in the outbox now, also those of an
	// earlier run.
	Queued int `json:"queued"`
	// Enqueued counts events added to the outbox.
	Enqueued uint64 `json:"enqueued"`
	// Delivered counts events in POSTs answered 2xx.
	Delivered uint64 `json:"delivered"`
	// Retried counts failed POSTs that were, or will be, sent again.
	Retried uint64 `json:"retried"`
	// DroppedFull counts events dropped, oldest first, past MaxQueue.
	DroppedFull uint64 `json:"dropped_full"`
	// DroppedRefused counts events dropped because the receiver refused
	// their batch RefusedAttempts times.
	DroppedRefused uint64 `json:"dropped_refused"`
	// Lost counts events that could not be written to the outbox.
	Lost uint64 `json:"lost"`
	// TokenFetches counts OAuth2 token requests.
	TokenFetches uint64 `json:"token_fetches"`
	// LastSuccess is when a POST was last answered 2xx.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError is the last failure, "" when none; LastErrorAt is when.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Stats returns the counters. It is safe to call at any time.
func (w *Webhook) Stats() Stats {
	s := Stats{
		Queued:         w.box.len(),
		Enqueued:       w.enqueued.Load(),
		Delivered:      w.delivered.Load(),
		Retried:        w.retried.Load(),
		DroppedFull:    w.droppedFull.Load(),
		DroppedRefused: w.droppedRefused.Load(),
		Lost:           w.lost.Load(),
	}
	if w.tokens != nil {
		s.TokenFetches = w.tokens.Fetches()
	}
	w.mu.Lock()
	s.LastSuccess, s.LastError, s.LastErrorAt = w.lastSuccess, w.lastError, w.lastErrorAt
	w.mu.Unlock()
	return s
}

func (w *Webhook) noteError(msg string) {
	w.mu.Lock()
	w.lastError, w.lastErrorAt = msg, w.cfg.Now()
	w.mu.Unlock()
}
