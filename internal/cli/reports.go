//go:build !lite

package cli

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"text/tabwriter"
)

const reportsUsage = `sentrypeer reports [flags] IP

List what peers reported about an IP address, the most recently seen
first (GET /api/v1/reports/ip/{ip}): who reported it, which peer it came
through, and what was seen. The honeypot address and the SIP message are
shown when the reporter's operator shares them.

Flags:
  --limit N    at most N reports (1-1000, default 100)
  --raw        print each shared SIP message under its report
` + commonUsage

func (r *runner) reports(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	limit := fs.Int("limit", 100, "")
	showRaw := fs.Bool("raw", false, "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 {
		return r.fail(usageErrorf("want one IP address, got %d arguments", len(pos)))
	}
	ip, err := netip.ParseAddr(pos[0])
	if err != nil {
		return r.fail(usageErrorf("%q is not an IP address", pos[0]))
	}
	if *limit < 1 || *limit > 1000 {
		return r.fail(usageErrorf("--limit must be 1 to 1000"))
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()
	rep, err := c.Reports(ctx, ip, *limit)
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		return r.done(r.printJSON(rep.JSON, true))
	}
	if len(rep.Reports) == 0 {
		fmt.Fprintf(r.stdout, "no peer reported %s\n", cell(rep.IPAddress, 0))
		return ExitOK
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAST SEEN\tCOUNT\tNUMBER\tMETHOD\tTRANSPORT\tUSER AGENT\tREPORTER\tVIA\tHONEYPOT")
	for _, p := range rep.Reports {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", atCell(p.LastSeen), p.Count, cell(p.CalledNumber, 24),
			cell(p.Method, 12), cell(p.Transport, 4), cell(p.UserAgent, 32), cell(p.Reporter, 0), cell(p.Via, 0), cell(p.Destination, 0))
		if *showRaw && p.Raw != "" {
			// The message is the attacker's: each line made safe, indented.
			if err := tw.Flush(); err != nil {
				return r.fail(err)
			}
			for _, line := range strings.Split(strings.TrimRight(p.Raw, "\r\n"), "\n") {
				fmt.Fprintf(r.stdout, "    | %s\n", safeText(strings.TrimSuffix(line, "\r")))
			}
		}
	}
	return r.done(tw.Flush())
}
