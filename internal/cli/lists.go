package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"text/tabwriter"
)

// listKind describes one of the two aggregate lists (ips, numbers).
type listKind struct {
	path     string // API path
	itemsKey string // JSON key of the rows
	column   string // heading of the value column
	noun     string // for messages
}

func (r *runner) ips(ctx context.Context, args []string) int {
	return r.list(ctx, args, listKind{path: "/api/v1/ip-addresses", itemsKey: "ip_addresses", column: "IP", noun: "IP addresses"})
}

func (r *runner) numbers(ctx context.Context, args []string) int {
	return r.list(ctx, args, listKind{path: "/api/v1/numbers", itemsKey: "numbers", column: "NUMBER", noun: "numbers"})
}

// listItem is one row of either list.
type listItem struct {
	IP         string   `json:"ip"`
	Number     string   `json:"number"`
	FirstSeen  string   `json:"first_seen"`
	LastSeen   string   `json:"last_seen"`
	Count      int64    `json:"count"`
	Methods    []string `json:"methods"`
	UserAgents []string `json:"user_agents"`
	Sources    []string `json:"sources"`
}

// listPage is one reply; rows stay raw so that --all --json keeps every
// field the API sent, known here or not.
type listPage struct {
	Total      int64
	NextOffset *int64
	Rows       []json.RawMessage
}

func decodeListPage(m map[string]json.RawMessage, itemsKey string) (listPage, error) {
	var p listPage
	if v, ok := m["total"]; ok {
		if err := json.Unmarshal(v, &p.Total); err != nil {
			return listPage{}, fmt.Errorf("total: %w", err)
		}
	}
	if v, ok := m["next_offset"]; ok && string(v) != "null" {
		p.NextOffset = new(int64)
		if err := json.Unmarshal(v, p.NextOffset); err != nil {
			return listPage{}, fmt.Errorf("next_offset: %w", err)
		}
	}
	if v, ok := m[itemsKey]; ok {
		if err := json.Unmarshal(v, &p.Rows); err != nil {
			return listPage{}, fmt.Errorf("%s: %w", itemsKey, err)
		}
	}
	return p, nil
}

func (r *runner) list(ctx context.Context, args []string, k listKind) int {
	fs, com := r.flagSet()
	sortBy := fs.String("sort", "", "")
	order := fs.String("order", "", "")
	limit := fs.Int("limit", 100, "")
	all := fs.Bool("all", false, "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return r.fail(usageErrorf("unexpected argument %q", pos[0]))
	}
	if *limit < 1 {
		return r.fail(usageErrorf("--limit must be at least 1"))
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.close()

	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	if *sortBy != "" {
		q.Set("sort", *sortBy)
	}
	if *order != "" {
		q.Set("order", *order)
	}
	var rows []json.RawMessage
	var total int64
	var more bool
	for offset := int64(0); ; {
		if offset > 0 {
			q.Set("offset", strconv.FormatInt(offset, 10))
		}
		var m map[string]json.RawMessage
		raw, err := c.getJSON(ctx, k.path, q, &m)
		if err != nil {
			return r.fail(err)
		}
		p, err := decodeListPage(m, k.itemsKey)
		if err != nil {
			return r.fail(fmt.Errorf("GET %s: decoding reply: %w", c.url(k.path, q), err))
		}
		if !*all {
			if com.json {
				return r.done(r.printJSON(raw, true))
			}
			rows, total, more = p.Rows, p.Total, p.NextOffset != nil
			break
		}
		rows, total = append(rows, p.Rows...), p.Total
		if p.NextOffset == nil {
			break
		}
		// A next_offset that does not move forward would loop forever.
		if *p.NextOffset <= offset {
			return r.fail(fmt.Errorf("GET %s: next_offset %d does not follow offset %d", c.url(k.path, q), *p.NextOffset, offset))
		}
		offset = *p.NextOffset
	}
	if com.json {
		b, err := json.Marshal(rows)
		if err != nil {
			return r.fail(err)
		}
		doc := fmt.Appendf(nil, `{"total":%d,%q:%s}`, total, k.itemsKey, b)
		return r.done(r.printJSON(doc, true))
	}
	if err := r.listTable(rows, k); err != nil {
		return r.fail(err)
	}
	if more {
		fmt.Fprintf(r.stderr, "sentrypeer %s: showing %d of %d %s; use --all for every page\n", r.name, len(rows), total, k.noun)
	}
	return ExitOK
}

func (r *runner) listTable(rows []json.RawMessage, k listKind) error {
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tCOUNT\tFIRST SEEN\tLAST SEEN\tMETHODS\tUSER AGENTS\tSOURCES\n", k.column)
	for _, raw := range rows {
		var it listItem
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("decoding %s row: %w", k.itemsKey, err)
		}
		value := it.IP
		if it.IP == "" {
			value = it.Number
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n",
			cell(value, 64), it.Count, timeCell(it.FirstSeen), timeCell(it.LastSeen),
			listCell(it.Methods, 40), listCell(it.UserAgents, 60), listCell(it.Sources, 24))
	}
	return tw.Flush()
}

// done turns the error of the final write into an exit status.
func (r *runner) done(err error) int {
	if err != nil {
		return r.fail(err)
	}
	return ExitOK
}
