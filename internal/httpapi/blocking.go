package httpapi

import (
	"net/http"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Blockers reports the state of every blocker the daemon runs.
type Blockers interface {
	Status() []block.Status
}

// DecisionStats counts the set; *decision.Engine is one.
type DecisionStats interface {
	Stats() decision.Stats
	Latest(n int) []decision.Decision
}

type blockerJSON struct {
	Name         string     `json:"name"`
	InSync       bool       `json:"in_sync"`
	Held         int        `json:"held"`
	Syncs        uint64     `json:"syncs"`
	Applies      uint64     `json:"applies"`
	Changes      uint64     `json:"changes"`
	Errors       uint64     `json:"errors"`
	Lost         uint64     `json:"lost"`
	LastError    string     `json:"last_error,omitempty"`
	LastErrorAt  *time.Time `json:"last_error_at,omitempty"`
	LastSync     *time.Time `json:"last_sync,omitempty"`
	LastSyncTook float64    `json:"last_sync_took_ms"`
}

type blockingBody struct {
	// ByOrigin counts the decisions held: local, peers, trusted, manual.
	ByOrigin map[string]int `json:"by_origin"`
	Total    int            `json:"total"`
	Evicted  uint64         `json:"evicted"`
	Refused  uint64         `json:"refused"`
	Ignored  uint64         `json:"ignored"`
	Blockers []blockerJSON  `json:"blockers"`
	// Latest are the newest decisions, newest first.
	Latest []decisionJSON `json:"latest"`
}

// latestDecisions is how many /api/v1/blocking lists.
const latestDecisions = 10

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// blocking answers /api/v1/blocking: what is blocked now, by origin, each
// blocker's state, and the latest decisions.
func (a *api) blocking(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		badParam(w, firstKey(r), "unknown parameter")
		return
	}
	s := a.cfg.DecisionStats.Stats()
	body := blockingBody{ByOrigin: map[string]int{}, Evicted: s.Evicted, Refused: s.Refused, Ignored: s.Ignored,
		Blockers: []blockerJSON{}, Latest: []decisionJSON{}}
	for o := decision.Local; o <= decision.Manual; o++ {
		body.ByOrigin[o.String()] = s.ByOrigin[o]
		body.Total += s.ByOrigin[o]
	}
	if a.cfg.Blockers != nil {
		for _, b := range a.cfg.Blockers.Status() {
			body.Blockers = append(body.Blockers, blockerJSON{Name: b.Name, InSync: b.InSync, Held: b.Held, Syncs: b.Syncs,
				Applies: b.Applies, Changes: b.Changes, Errors: b.Errors, Lost: b.Lost, LastError: b.LastError,
				LastErrorAt: timePtr(b.LastErrorAt), LastSync: timePtr(b.LastSync), LastSyncTook: float64(b.LastSyncTook) / 1e6})
		}
	}
	for _, d := range a.cfg.DecisionStats.Latest(latestDecisions) {
		body.Latest = append(body.Latest, decisionToJSON(d))
	}
	writeJSON(w, http.StatusOK, body)
}
