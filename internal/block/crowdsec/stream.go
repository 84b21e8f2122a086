package crowdsec

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// resendStep: a decision a bouncer holds is sent again, as delete + new,
// when its Until moved later by at least this much, or when what the
// bouncer holds ends within it and ours later. Probes push Until on every
// sighting; telling bouncers each time would churn their sets.
const resendStep = time.Minute

// held is what one bouncer was last sent for a value: what its set holds.
type held struct {
	until  time.Time
	kind   decision.Kind
	origin decision.Origin
}

// streamReply is the body of /v1/decisions/stream.
type streamReply struct {
	New     []wireDecision `json:"new"`
	Deleted []wireDecision `json:"deleted"`
}

// pull returns what a bouncer that holds old gets when the set is cur
// (filtered, in value order), and what it holds afterwards. A nil old (the
// bouncer's first pull since the daemon started) or startup sends every
// decision as new and nothing as deleted.
func pull(old map[string]held, cur []item, startup bool, now time.Time) (streamReply, map[string]held) {
	rep := streamReply{New: []wireDecision{}, Deleted: []wireDecision{}}
	next := make(map[string]held, len(cur))
	fresh := startup || old == nil
	for i := range cur {
		it := &cur[i]
		if _, dup := next[it.value]; dup {
			continue
		}
		h, had := old[it.value]
		switch {
		case fresh || !had:
			rep.New = append(rep.New, it.wire(now))
		case stale(h, it, now):
			// A bouncer does not refresh the timeout of a value already
			// in its set: take it out first.
			rep.Deleted = append(rep.Deleted, heldWire(it.value, h, now))
			rep.New = append(rep.New, it.wire(now))
		default:
			next[it.value] = h
			continue
		}
		next[it.value] = held{until: it.until, kind: it.kind, origin: it.origin}
	}
	if !fresh {
		n := len(rep.Deleted)
		for v, h := range old {
			if _, ok := next[v]; !ok {
				rep.Deleted = append(rep.Deleted, heldWire(v, h, now))
			}
		}
		slices.SortFunc(rep.Deleted[n:], func(a, b wireDecision) int { return cmp.Compare(a.Value, b.Value) })
	}
	return rep, next
}

// stale reports whether the bouncer's copy h of it must be replaced.
func stale(h held, it *item, now time.Time) bool {
	switch {
	case it.until.Before(h.until):
		return true // shortened: the bouncer would block too long
	case !it.until.After(h.until):
		return false
	case it.until.Sub(h.until) >= resendStep:
		return true
	default:
		return h.until.Sub(now) < resendStep
	}
}

// heldWire is the deletion of what a bouncer holds for value: with the
// origin and scope it was sent with, which some bouncers file it under.
func heldWire(value string, h held, now time.Time) wireDecision {
	it := item{value: value, kind: h.kind, origin: h.origin, until: h.until}
	return it.wire(now)
}

// stream serves GET /v1/decisions/stream.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request) {
	p, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	if r.Method == http.MethodHead {
		// As LAPI: no body, and the bouncer's state is left alone.
		w.WriteHeader(http.StatusOK)
		return
	}
	q := r.URL.Query()
	f, err := parseFilter(q, true)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	startup := false
	if v, ok := first(q, "startup"); ok && v == "true" {
		startup = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := h.cfg.Now()
	fresh := startup || p.held == nil
	rep, next := pull(p.held, h.current(now, &f), startup, now)
	body, err := json.Marshal(rep)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, "encoding decisions failed")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if _, err := w.Write(body); err != nil {
		// Keep what the bouncer held: the next pull sends this again.
		h.log.Debug("sending decisions to a bouncer failed", "bouncer", p.name, "err", err)
		return
	}
	p.held = next
	h.record(p, r, now, len(next))
	h.log.Debug("bouncer pulled decisions", "bouncer", p.name, "full", fresh,
		"new", len(rep.New), "deleted", len(rep.Deleted), "holds", len(next))
}

// current returns the decisions f selects that a bouncer may get, in
// value order.
func (h *Handler) current(now time.Time, f *filter) []item {
	snap := h.cfg.Decisions.Snapshot()
	out := make([]item, 0, len(snap))
	for i := range snap {
		if it, ok := servable(&snap[i], now); ok && f.match(&it) {
			out = append(out, it)
		}
	}
	return out
}
