//go:build !lite

package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
)

const peersUsage = `sentrypeer peers [flags]

Show this node's peer ID and addresses, and the peers it is connected to
(GET /api/v1/peers). HISTORY says whether a peer served this node the
records it held from before (received), refused them (why and when follow
the table: peers serve history only to nodes that have shared a record, and
are asked again within seconds once this node has), was not asked yet
(pending), or serves none (none).

Flags:
` + commonUsage

func (r *runner) peers(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return r.fail(usageErrorf("unexpected argument %q", pos[0]))
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()
	rep, err := c.Peers(ctx)
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		return r.done(r.printJSON(rep.JSON, true))
	}
	if !rep.Sharing {
		fmt.Fprintln(r.stdout, "sharing is off (--no-share): this node neither shares nor receives records")
		return ExitOK
	}
	fmt.Fprintf(r.stdout, "PEER ID  %s\n", cell(rep.PeerID, 0))
	for _, a := range rep.Addrs {
		fmt.Fprintf(r.stdout, "ADDRESS  %s\n", cell(a, 0))
	}
	fmt.Fprintf(r.stdout, "\n%d peers connected\n", len(rep.Peers))
	if len(rep.Peers) == 0 {
		return ExitOK
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER ID\tCONNECTED SINCE\tRECORDS\tSCORE\tTRUSTED\tHISTORY\tADDRESSES")
	var refused []string
	for _, p := range rep.Peers {
		score := "-"
		if p.Score != nil {
			score = strconv.FormatFloat(*p.Score, 'f', 1, 64)
		}
		trusted := "no"
		if p.Trusted {
			trusted = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", cell(p.PeerID, 0), atCell(p.ConnectedSince), p.RecordsReceived, score, trusted,
			cell(p.History, 0), cell(strings.Join(p.Addrs, " "), 0))
		if p.History == "refused" {
			refused = append(refused, fmt.Sprintf("%s refused history at %s: %s", cell(p.PeerID, 0), atCell(p.HistoryRefusedAt), cell(p.HistoryRefusedReason, 0)))
		}
	}
	if err := tw.Flush(); err != nil {
		return r.fail(err)
	}
	// The reasons are too long for a column; they follow the table.
	if len(refused) > 0 {
		fmt.Fprintln(r.stdout)
		for _, s := range refused {
			fmt.Fprintln(r.stdout, s)
		}
	}
	return ExitOK
}
