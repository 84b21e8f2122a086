package crowdsec

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Wire values of CrowdSec's decision model.
const (
	typeBan    = "ban"
	scopeIP    = "Ip"
	scopeRange = "Range"
)

// minLeft: a decision with less time left is not offered. A bouncer turns
// duration into an nftables timeout, and a timeout that rounds to zero
// would make the element permanent.
const minLeft = time.Second

// wireDecision is a decision as LAPI sends it (models.Decision).
type wireDecision struct {
	ID        int64  `json:"id"`
	Origin    string `json:"origin"`
	Type      string `json:"type"`
	Scope     string `json:"scope"`
	Value     string `json:"value"`
	Duration  string `json:"duration"`
	Until     string `json:"until,omitempty"`
	Scenario  string `json:"scenario"`
	Simulated bool   `json:"simulated"`
}

// item is one decision as this package serves it: an address or a
// network, never a called number.
type item struct {
	value  string // canonical, from the prefix
	prefix netip.Prefix
	kind   decision.Kind
	origin decision.Origin
	until  time.Time
}

// servable turns d into an item; ok is false for numbers, anything whose
// value is not an address or a network, and decisions about to end.
func servable(d *decision.Decision, now time.Time) (item, bool) {
	p := d.Prefix
	if !p.IsValid() || d.Until.Sub(now) < minLeft {
		return item{}, false
	}
	it := item{prefix: p, kind: d.Kind, origin: d.Origin, until: d.Until}
	// The value goes out as the prefix says, so that nothing but an
	// address or a network can reach a bouncer; the engine's Value is
	// already that text, and checking it allocates nothing.
	switch d.Kind {
	case decision.IP:
		if !p.IsSingleIP() {
			return item{}, false
		}
		if a, err := netip.ParseAddr(d.Value); err == nil && a == p.Addr() {
			it.value = d.Value
		} else {
			it.value = p.Addr().String()
		}
	case decision.Net:
		if q, err := netip.ParsePrefix(d.Value); err == nil && q == p.Masked() {
			it.value = d.Value
		} else {
			it.value = p.Masked().String()
		}
	default:
		return item{}, false
	}
	return it, true
}

func (it *item) scope() string {
	if it.kind == decision.Net {
		return scopeRange
	}
	return scopeIP
}

// scenario names where the decision's evidence came from, in CrowdSec's
// author/name form: sentrypeer/sip-probe-local, -peers, -trusted, -manual.
func scenario(o decision.Origin) string {
	switch o {
	case decision.Local:
		return "sentrypeer/sip-probe-local"
	case decision.Peers:
		return "sentrypeer/sip-probe-peers"
	case decision.Trusted:
		return "sentrypeer/sip-probe-trusted"
	case decision.Manual:
		return "sentrypeer/sip-probe-manual"
	}
	return "sentrypeer/sip-probe-" + o.String()
}

// id is a stable identifier of one version (value and Until) of a
// decision: the same for every bouncer and across restarts, and new when
// Until moves. It stays below 2^53 so that JSON readers keep it exact.
func id(value string, until time.Time) int64 {
	// FNV-1a over the value's bytes, then Until's in little-endian order.
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(value); i++ {
		h = (h ^ uint64(value[i])) * prime
	}
	n := uint64(until.UnixNano())
	for i := range 8 {
		h = (h ^ (n >> (8 * i) & 0xff)) * prime
	}
	return max(int64(h&(1<<53-1)), 1)
}

// wire returns it as LAPI would send it at now.
func (it *item) wire(now time.Time) wireDecision {
	return wireDecision{
		ID:       id(it.value, it.until),
		Origin:   it.origin.String(),
		Type:     typeBan,
		Scope:    it.scope(),
		Value:    it.value,
		Duration: it.until.Sub(now).String(),
		Until:    it.until.UTC().Format(time.RFC3339),
		Scenario: scenario(it.origin),
	}
}

// filter selects decisions the way LAPI's query parameters do.
type filter struct {
	scopes      []string // nil: any; LAPI scope names (Ip, Range, ...)
	origins     []string // nil: any
	containing  []string // nil: any; case-insensitive substrings of the scenario
	notContains []string
	types       []string // nil: any
	value       *string
	// Live mode: ip or range, and whether a decision must contain it
	// (true, the default) or lie inside it.
	target   netip.Prefix
	contains bool
}

// badRequest is a query LAPI would refuse with 400.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// parseFilter reads LAPI's query parameters. stream: the parameters of
// /v1/decisions/stream, where scopes defaults to "ip,range"; ip and range
// apply to /v1/decisions only. Unknown parameters are ignored, as LAPI
// does.
func parseFilter(q url.Values, stream bool) (filter, error) {
	f := filter{contains: true}
	scopes, ok := first(q, "scopes")
	if !ok {
		scopes, ok = first(q, "scope")
	}
	if !ok && stream {
		scopes, ok = "ip,range", true
	}
	if ok {
		for _, s := range strings.Split(scopes, ",") {
			switch strings.ToLower(s) {
			case "ip":
				s = scopeIP
			case "range":
				s = scopeRange
			}
			f.scopes = append(f.scopes, s)
		}
	}
	if v, ok := first(q, "origins"); ok {
		f.origins = strings.Split(v, ",")
	}
	if v, ok := first(q, "scenarios_containing"); ok {
		f.containing = lowerAll(strings.Split(v, ","))
	}
	if v, ok := first(q, "scenarios_not_containing"); ok {
		f.notContains = lowerAll(strings.Split(v, ","))
	}
	if v, ok := first(q, "type"); ok {
		f.types = []string{v}
	}
	if v, ok := first(q, "value"); ok {
		f.value = &v
	}
	if stream {
		return f, nil
	}
	if v, ok := first(q, "contains"); ok {
		c, err := strconv.ParseBool(v)
		if err != nil {
			return filter{}, &badRequest{fmt.Sprintf("invalid contains value : %v", err)}
		}
		f.contains = c
	}
	for _, name := range []string{"ip", "range"} {
		v, ok := first(q, name)
		if !ok {
			continue
		}
		p, err := parseTarget(v)
		if err != nil {
			return filter{}, &badRequest{fmt.Sprintf("unable to convert '%s' to int: %v", v, err)}
		}
		f.target = p
	}
	return f, nil
}

// parseTarget reads an address or a network, as LAPI's Addr2Ints does.
func parseTarget(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func first(q url.Values, name string) (string, bool) {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

func lowerAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = strings.ToLower(s)
	}
	return ss
}

// match reports whether f selects it.
func (f *filter) match(it *item) bool {
	if f.scopes != nil && !slices.Contains(f.scopes, it.scope()) {
		return false
	}
	if f.origins != nil && !slices.Contains(f.origins, it.origin.String()) {
		return false
	}
	if f.types != nil && !slices.Contains(f.types, typeBan) {
		return false
	}
	if f.value != nil && *f.value != it.value {
		return false
	}
	sc := strings.ToLower(scenario(it.origin))
	if f.containing != nil && !anyIn(sc, f.containing) {
		return false
	}
	if f.notContains != nil && anyIn(sc, f.notContains) {
		return false
	}
	if f.target.IsValid() {
		outer, inner := it.prefix, f.target
		if !f.contains {
			outer, inner = inner, outer
		}
		if outer.Addr().BitLen() != inner.Addr().BitLen() || outer.Bits() > inner.Bits() || !outer.Contains(inner.Addr()) {
			return false
		}
	}
	return true
}

func anyIn(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
