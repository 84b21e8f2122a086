//go:build !lite

package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

const bgpUsage = `sentrypeer bgp [flags]

Show the BGP blackhole speaker: its neighbours, their sessions, and the
routes announced (GET /api/v1/bgp). The daemon runs it with --bgp-asn.

Flags:
` + commonUsage

func (r *runner) bgp(ctx context.Context, args []string) int {
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
	rep, err := c.BGP(ctx)
	if apiclient.IsNotFound(err) {
		return r.fail(fmt.Errorf("the daemon runs no BGP speaker (start it with --bgp-asn and --bgp-neighbor)"))
	}
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		return r.done(r.printJSON(rep.JSON, true))
	}
	state := "running"
	if !rep.Running {
		state = "not running"
	}
	fmt.Fprintf(r.stdout, "AS %d, router ID %s, %s, %d routes announced\n\n", rep.ASN, safeText(rep.RouterID), state, rep.Announced)
	tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NEIGHBOR\tASN\tSTATE\tUPTIME\tADVERTISED\tLAST DOWN")
	for _, n := range rep.Neighbors {
		fmt.Fprintf(tw, "%s:%d\t%d\t%s\t%ds\t%d\t%s\n", safeText(n.Addr), n.Port, n.ASN, safeText(n.State), n.UptimeSeconds, n.Advertised, safeText(n.LastDown))
	}
	tw.Flush()
	return ExitOK
}
