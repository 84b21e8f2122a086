package apiclient

import (
	"context"
	"encoding/json"
	"time"
)

// Blocking is the answer of GET /api/v1/blocking: how many decisions there
// are, by origin, and how each blocker keeps up with them.
type Blocking struct {
	ByOrigin map[string]int `json:"by_origin"`
	Total    int            `json:"total"`
	Evicted  uint64         `json:"evicted"`
	Refused  uint64         `json:"refused"`
	Ignored  uint64         `json:"ignored"`
	Blockers []Blocker      `json:"blockers"`
	// Latest are the most recent decisions, newest first.
	Latest []Decision `json:"latest"`
	// JSON is the reply as the server sent it.
	JSON json.RawMessage `json:"-"`
}

// Blocker is one blocker's state.
type Blocker struct {
	Name           string    `json:"name"`
	InSync         bool      `json:"in_sync"`
	Held           int       `json:"held"`
	Syncs          uint64    `json:"syncs"`
	Applies        uint64    `json:"applies"`
	Changes        uint64    `json:"changes"`
	Errors         uint64    `json:"errors"`
	Lost           uint64    `json:"lost"`
	LastError      string    `json:"last_error,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at,omitzero"`
	LastSync       time.Time `json:"last_sync,omitzero"`
	LastSyncTookMS float64   `json:"last_sync_took_ms"`
}

// Blocking returns the state of the decisions and the blockers.
func (c *Client) Blocking(ctx context.Context) (*Blocking, error) {
	var b Blocking
	raw, err := c.decode(ctx, "/api/v1/blocking", nil, &b)
	if err != nil {
		return nil, err
	}
	b.JSON = raw
	return &b, nil
}
