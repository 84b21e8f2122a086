package httpapi

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/index"
)

// Page sizes of lists.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// params reads query parameters, remembering the first that is wrong so
// that a handler checks once, after reading them all.
type params struct {
	q     url.Values
	param string
	msg   string
}

func (p *params) fail(param, msg string) {
	if p.param == "" {
		p.param, p.msg = param, msg
	}
}

// known fails for any parameter not in names: a misspelt filter must not
// silently widen an answer.
func (p *params) known(names ...string) {
	for k := range p.q {
		found := false
		for _, n := range names {
			found = found || k == n
		}
		if !found {
			p.fail(k, "unknown parameter")
		}
	}
}

func (p *params) str(name string) string {
	v := p.q[name]
	if len(v) > 1 {
		p.fail(name, "given more than once")
	}
	if len(v) == 0 {
		return ""
	}
	if len(v[0]) > 256 {
		p.fail(name, "longer than 256 bytes")
	}
	return v[0]
}

func (p *params) intIn(name string, def, lo, hi int) int {
	s := p.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		p.fail(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return def
	}
	return n
}

func (p *params) boolean(name string) bool {
	switch p.str(name) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	p.fail(name, "must be true or false")
	return false
}

func (p *params) time(name string) time.Time {
	s := p.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(name, "must be an RFC 3339 time, e.g. 2026-11-27T10:00:00Z")
	}
	return t
}

// oneOf returns the value of name, which must be one of values; "" gives
// values[0].
func (p *params) oneOf(name string, values ...string) string {
	s := strings.ToLower(p.str(name))
	if s == "" {
		return values[0]
	}
	for _, v := range values {
		if s == v {
			return v
		}
	}
	p.fail(name, "must be one of "+strings.Join(values, ", "))
	return values[0]
}

// prefix parses an IP or a CIDR.
func (p *params) prefix(name string) netip.Prefix {
	s := p.str(name)
	if s == "" {
		return netip.Prefix{}
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen())
	}
	pr, err := netip.ParsePrefix(s)
	if err != nil {
		p.fail(name, "must be an IP address or a CIDR prefix")
	}
	return pr
}

// list reads sort, order, limit and offset; keyName is the sort value
// that orders by the key itself ("ip" or "number").
func (p *params) list(keyName string) index.List {
	l := index.List{Limit: p.intIn("limit", defaultLimit, 1, maxLimit), Offset: p.intIn("offset", 0, 0, 1<<31-1)}
	switch p.oneOf("sort", "last_seen", "first_seen", "count", keyName) {
	case "first_seen":
		l.Sort = index.ByFirstSeen
	case "count":
		l.Sort = index.ByCount
	case keyName:
		l.Sort = index.ByKey
	}
	l.Asc = p.oneOf("order", "desc", "asc") == "asc"
	return l
}

// parseIP parses a path's IP; zones are refused, they name nothing
// outside this host.
func parseIP(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	return a, err == nil && a.Zone() == ""
}
