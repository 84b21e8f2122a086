package httpapi

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// aggregate is one IP or number in /api/v1/ lists.
type aggregate struct {
	IP         string    `json:"ip,omitempty"`
	Number     string    `json:"number,omitempty"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Count      int64     `json:"count"`
	Methods    []string  `json:"methods"`
	UserAgents []string  `json:"user_agents"`
	Sources    []string  `json:"sources"`
	Reporters  int       `json:"reporters"`
	Enforce    bool      `json:"enforce"`
}

func toAggregate(e index.Entry, isIP bool) aggregate {
	a := aggregate{FirstSeen: e.First, LastSeen: e.Last, Count: e.Count, Methods: e.Methods, UserAgents: e.UserAgents,
		Sources: e.Sources.Names(), Reporters: e.Reporters, Enforce: e.Enforce}
	if isIP {
		a.IP = e.Key
	} else {
		a.Number = e.Key
	}
	return a
}

type ipList struct {
	Total      int         `json:"total"`
	IPs        []aggregate `json:"ip_addresses"`
	NextOffset *int        `json:"next_offset,omitempty"`
}

type numberList struct {
	Total      int         `json:"total"`
	Numbers    []aggregate `json:"numbers"`
	NextOffset *int        `json:"next_offset,omitempty"`
}

// nextOffset is where the page after [offset, offset+n) starts, if any.
func nextOffset(offset, n, total int) *int {
	if next := offset + n; n > 0 && next < total {
		return &next
	}
	return nil
}

// list serves a sortable, paged list of IPs (keyName "ip") or numbers:
// fetch reads the page from the index, body wraps its rows in the list's
// JSON shape.
func list(keyName string, fetch func(index.List) (int, []index.Entry), body func(total int, rows []aggregate, next *int) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := params{q: r.URL.Query()}
		p.known("sort", "order", "limit", "offset")
		l := p.list(keyName)
		if p.param != "" {
			badParam(w, p.param, p.msg)
			return
		}
		total, entries := fetch(l)
		rows := make([]aggregate, len(entries))
		for i, e := range entries {
			rows[i] = toAggregate(e, keyName == "ip")
		}
		writeJSON(w, http.StatusOK, body(total, rows, nextOffset(l.Offset, len(entries), total)))
	}
}

func listIPs(idx Index) http.HandlerFunc {
	return list("ip", idx.IPs, func(total int, rows []aggregate, next *int) any {
		return ipList{Total: total, IPs: rows, NextOffset: next}
	})
}

func listNumbers(idx Index) http.HandlerFunc {
	return list("number", idx.Numbers, func(total int, rows []aggregate, next *int) any {
		return numberList{Total: total, Numbers: rows, NextOffset: next}
	})
}

// checkIP and checkNumber answer from memory, for scripts and PBXs that ask
// before every call: the answer is appended to a pooled buffer by hand,
// without reflection or allocations. The shape is the openapi document's
// CheckIP / CheckNumber: the key, "bad", and when bad, first_seen,
// last_seen, count, sources, reporters and enforce.
func (a *api) checkIP(w http.ResponseWriter, r *http.Request) {
	ip, ok := parseIP(r.PathValue("ip"))
	if !ok {
		badParam(w, "ip", "not an IP address")
		return
	}
	s, found := a.cfg.Index.SummaryIP(ip)
	a.writeCheck(w, "ip", ip.String(), s, found)
}

func (a *api) checkNumber(w http.ResponseWriter, r *http.Request) {
	n := sip.NormaliseNumber(r.PathValue("number"))
	if n == "" {
		badParam(w, "number", "no digits or letters left once normalised")
		return
	}
	s, found := a.cfg.Index.SummaryNumber(n)
	a.writeCheck(w, "number", n, s, found)
}

func (a *api) writeCheck(w http.ResponseWriter, key, value string, s index.Summary, bad bool) {
	bp := a.buffers.Get().(*[]byte)
	b := append((*bp)[:0], `{"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	b = appendJSONString(b, value)
	if !bad {
		b = append(b, `,"bad":false}`...)
	} else {
		b = append(b, `,"bad":true,"first_seen":"`...)
		b = s.First.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","last_seen":"`...)
		b = s.Last.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","count":`...)
		b = strconv.AppendInt(b, s.Count, 10)
		b = append(b, `,"sources":[`...)
		for i, name := range [...]string{"local", "peer"} {
			if s.Sources&(1<<i) == 0 {
				continue
			}
			if b[len(b)-1] != '[' {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, name...)
			b = append(b, '"')
		}
		b = append(b, `],"reporters":`...)
		b = strconv.AppendInt(b, int64(s.Reporters), 10)
		b = append(b, `,"enforce":`...)
		b = strconv.AppendBool(b, s.Enforce)
		b = append(b, '}')
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
	*bp = b
	a.buffers.Put(bp)
}

// appendJSONString appends s as a JSON string, as encoding/json would
// (invalid UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
