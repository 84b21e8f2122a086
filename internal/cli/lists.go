package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"text/tabwriter"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

// listKind describes one of the two aggregate lists (ips, numbers).
type listKind struct {
	page     func(*apiclient.Client, context.Context, apiclient.ListQuery) (*apiclient.ListPage, error)
	all      func(*apiclient.Client, context.Context, apiclient.ListQuery) iter.Seq2[apiclient.Aggregate, error]
	itemsKey string // JSON key of the rows
	column   string // heading of the value column
	noun     string // for messages
}

func (r *runner) ips(ctx context.Context, args []string) int {
	return r.list(ctx, args, listKind{page: (*apiclient.Client).IPs, all: (*apiclient.Client).AllIPs,
		itemsKey: "ip_addresses", column: "IP", noun: "IP addresses"})
}

func (r *runner) numbers(ctx context.Context, args []string) int {
	return r.list(ctx, args, listKind{page: (*apiclient.Client).Numbers, all: (*apiclient.Client).AllNumbers,
		itemsKey: "numbers", column: "NUMBER", noun: "numbers"})
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
	defer c.Close()

	q := apiclient.ListQuery{Sort: *sortBy, Order: *order, Limit: *limit}
	if !*all {
		p, err := k.page(c, ctx, q)
		if err != nil {
			return r.fail(err)
		}
		if com.json {
			return r.done(r.printJSON(p.JSON, true))
		}
		if err := r.listTable(p.Rows, k); err != nil {
			return r.fail(err)
		}
		if p.NextOffset != nil {
			fmt.Fprintf(r.stderr, "sentrypeer %s: showing %d of %d %s; use --all for every page\n", r.name, len(p.Rows), p.Total, k.noun)
		}
		return ExitOK
	}
	var rows []apiclient.Aggregate
	for row, err := range k.all(c, ctx, q) {
		if err != nil {
			return r.fail(err)
		}
		rows = append(rows, row)
	}
	if com.json {
		// Each row as the API sent it, fields unknown here included.
		raws := make([]json.RawMessage, len(rows))
		for i, row := range rows {
			raws[i] = row.JSON
		}
		b, err := json.Marshal(raws)
		if err != nil {
			return r.fail(err)
		}
		doc := fmt.Appendf(nil, `{"total":%d,%q:%s}`, len(rows), k.itemsKey, b)
		return r.done(r.printJSON(doc, true))
	}
	return r.done(r.listTable(rows, k))
}

func (r *runner) listTable(rows []apiclient.Aggregate, k listKind) error {
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tCOUNT\tFIRST SEEN\tLAST SEEN\tMETHODS\tUSER AGENTS\tSOURCES\n", k.column)
	for _, it := range rows {
		value := it.IP
		if it.IP == "" {
			value = it.Number
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n",
			cell(value, 64), it.Count, atCell(it.FirstSeen), atCell(it.LastSeen),
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
