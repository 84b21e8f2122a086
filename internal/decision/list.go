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
	for v, en := range e.set {
		if v <= f.After && f.After != "" {
			continue
		}
		if (f.Kind != 0 && en.Kind != f.Kind) || (f.Origin != 0 && en.Origin != f.Origin) ||
			(f.Contains != "" && !strings.Contains(v, f.Contains)) {
			continue
		}
		out = append(out, en.Decision)
	}
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
	out := make([]Decision, 0, n+1)
	newer := func(a, b Decision) int { return cmp.Or(b.Since.Compare(a.Since), cmp.Compare(a.Value, b.Value)) }
	e.mu.Lock()
	for _, en := range e.set {
		if len(out) == n && newer(en.Decision, out[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, en.Decision, newer)
		out = slices.Insert(out, i, en.Decision)
		if len(out) > n {
			out = out[:n]
		}
	}
	e.mu.Unlock()
	return out
}
