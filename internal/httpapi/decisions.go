package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Decisions is the set every blocker follows; *decision.Engine is one.
type Decisions interface {
	List(f decision.Filter) ([]decision.Decision, bool)
	Block(value string, d time.Duration, reason string) (decision.Decision, error)
	Unblock(value string) (bool, error)
}

type decisionJSON struct {
	Value     string    `json:"value"`
	Kind      string    `json:"kind"` // ip, range, number
	Origin    string    `json:"origin"`
	Reporters int       `json:"reporters"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`
}

func decisionToJSON(d decision.Decision) decisionJSON {
	return decisionJSON{Value: d.Value, Kind: d.Kind.String(), Origin: d.Origin.String(), Reporters: d.Reporters,
		Since: d.Since.UTC(), Until: d.Until.UTC(), Reason: d.Reason}
}

type decisionsPage struct {
	Decisions []decisionJSON `json:"decisions"`
	// Next is the cursor of the next page; empty on the last.
	Next string `json:"next,omitempty"`
}

// requireAdmin lets a request through with the admin key or the API key.
func requireAdmin(key, admin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hasKey(r, key) && !hasKey(r, admin) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sentrypeer"`)
			writeJSON(w, http.StatusUnauthorized, message{"changing decisions needs the admin key (DATA-DIR/admin.key) or the API key"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// listDecisions answers GET /api/v1/decisions: a page in value order,
// filtered by kind, origin and a substring, paged by cursor.
func (a *api) listDecisions(w http.ResponseWriter, r *http.Request) {
	f := decision.Filter{Limit: 100}
	for k, vs := range r.URL.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "kind":
			switch v {
			case "ip":
				f.Kind = decision.IP
			case "range":
				f.Kind = decision.Net
			case "number":
				f.Kind = decision.Number
			default:
				badParam(w, k, "want ip, range or number")
				return
			}
		case "origin":
			o, ok := decision.ParseOrigin(v)
			if !ok {
				badParam(w, k, "want local, peers, trusted or manual")
				return
			}
			f.Origin = o
		case "contains":
			f.Contains = v
		case "cursor":
			f.After = v
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				badParam(w, k, "want an integer from 1 to 1000")
				return
			}
			f.Limit = n
		default:
			badParam(w, k, "unknown parameter")
			return
		}
	}
	ds, more := a.cfg.Decisions.List(f)
	page := decisionsPage{Decisions: make([]decisionJSON, len(ds))}
	for i, d := range ds {
		page.Decisions[i] = decisionToJSON(d)
	}
	if more {
		page.Next = ds[len(ds)-1].Value
	}
	writeJSON(w, http.StatusOK, page)
}

type blockRequest struct {
	Value string `json:"value"`
	// For is a Go duration ("24h"); empty: --block-for.
	For    string `json:"for"`
	Reason string `json:"reason"`
}

// addDecision answers POST /api/v1/decisions: a manual block.
func (a *api) addDecision(w http.ResponseWriter, r *http.Request) {
	var req blockRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "body: want a JSON object {\"value\", \"for\", \"reason\"}: " + err.Error()})
		return
	}
	var d time.Duration
	if req.For != "" {
		var err error
		if d, err = time.ParseDuration(req.For); err != nil || d < time.Second || d > 10*365*24*time.Hour {
			badParam(w, "for", "want a duration from 1s to 87600h, such as 24h")
			return
		}
	}
	if len(req.Reason) > 256 {
		badParam(w, "reason", "at most 256 bytes")
		return
	}
	got, err := a.cfg.Decisions.Block(req.Value, d, req.Reason)
	switch {
	case errors.Is(err, decision.ErrBadValue):
		badParam(w, "value", err.Error())
		return
	case errors.Is(err, decision.ErrProtected):
		writeJSON(w, http.StatusConflict, apiError{Error: err.Error(), Parameter: "value"})
		return
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, decisionToJSON(got))
}

// deleteDecision answers DELETE /api/v1/decisions/{value}: an unblock,
// which also keeps the value from coming back until blocked again.
func (a *api) deleteDecision(w http.ResponseWriter, r *http.Request) {
	removed, err := a.cfg.Decisions.Unblock(r.PathValue("value"))
	if errors.Is(err, decision.ErrBadValue) {
		badParam(w, "value", err.Error())
		return
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Value   string `json:"value"`
		Removed bool   `json:"removed"`
	}{r.PathValue("value"), removed})
}
