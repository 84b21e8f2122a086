package decision

import (
	"cmp"
	"slices"
	"strings"
)

// Filter selects decisions for [Engine.List].
type Filter struct {
	Kind   Kind   // 0: any
	Origin Origin // 0: any
	// Contains: the value contains this text (an address's start, a
	// number's prefix...).
	Contains string
	// After is the cursor: the Value of the last decision of the previous
	// page; values sort in byte order.
	After string
	Limit int
}

// List returns a page of the decisions f selects, in value order, and
// whether more follow.
func (e *Engine) List(f Filter) ([]Decision, bool) {
	e.mu.Lock()
	var out []Decision
	e.each(func(id uint32, s *slot) {
		v := e.ss.value(id)
		if (f.After != "" && v <= f.After) || (f.Kind != 0 && s.kind != f.Kind) || (f.Origin != 0 && s.origin != f.Origin) ||
			(f.Contains != "" && !strings.Contains(v, f.Contains)) {
			return
		}
		out = append(out, e.decision(id))
	})
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b Decision) int { return cmp.Compare(a.Value, b.Value) })
	if f.Limit > 0 && len(out) > f.Limit {
		return out[:f.Limit], true
	}
	return out, false
}

// Latest returns the n newest decisions, newest first, in one pass and
// without copying the set.
func (e *Engine) Latest(n int) []Decision {
	if n <= 0 {
		return nil
	}
	// Ids, newest first; only the n kept are made Decisions.
	type cand struct {
		since int64
		id    uint32
	}
	top := make([]cand, 0, n+1)
	newer := func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.since, a.since), cmp.Compare(e.ss.value(a.id), e.ss.value(b.id)))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.each(func(id uint32, s *slot) {
		c := cand{s.since, id}
		if len(top) == n && newer(c, top[n-1]) >= 0 {
			return
		}
		i, _ := slices.BinarySearchFunc(top, c, newer)
		top = slices.Insert(top, i, c)
		if len(top) > n {
			top = top[:n]
		}
	})
	out := make([]Decision, len(top))
	for i, c := range top {
		out[i] = e.decision(c.id)
	}
	return out
}
