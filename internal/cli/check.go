package cli

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"text/tabwriter"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

func (r *runner) check(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	switch {
	case len(pos) == 0:
		return r.fail(usageErrorf("want an IP address or a number"))
	case len(pos) > 1:
		return r.fail(usageErrorf("want one IP address or number, got %d arguments", len(pos)))
	case pos[0] == "":
		return r.fail(usageErrorf("empty argument"))
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()

	// An IP address when it parses as one, else a number.
	var rep *apiclient.Check
	label := "NUMBER"
	if a, perr := netip.ParseAddr(pos[0]); perr == nil {
		label = "IP"
		rep, err = c.CheckIP(ctx, a)
	} else {
		rep, err = c.CheckNumber(ctx, pos[0])
	}
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		err = r.printJSON(rep.JSON, true)
	} else {
		err = r.checkTable(rep, label)
	}
	if err != nil {
		return r.fail(err)
	}
	if rep.Bad {
		return ExitOK
	}
	return ExitNotFound
}

func (r *runner) checkTable(rep *apiclient.Check, label string) error {
	value := rep.IP
	if label == "NUMBER" {
		value = rep.Number
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\n", label, cell(value, 0))
	if !rep.Bad {
		fmt.Fprintf(tw, "BAD\tno\n")
		return tw.Flush()
	}
	fmt.Fprintf(tw, "BAD\tyes\n")
	fmt.Fprintf(tw, "COUNT\t%s\n", strconv.FormatInt(rep.Count, 10))
	fmt.Fprintf(tw, "FIRST SEEN\t%s\n", atCell(rep.FirstSeen))
	fmt.Fprintf(tw, "LAST SEEN\t%s\n", atCell(rep.LastSeen))
	fmt.Fprintf(tw, "SOURCES\t%s\n", listCell(rep.Sources, 0))
	fmt.Fprintf(tw, "REPORTERS\t%d\n", rep.Reporters)
	enforce := "no (reported by peers, short of the quorum)"
	if rep.Enforce {
		enforce = "yes"
	}
	fmt.Fprintf(tw, "ENFORCE\t%s\n", enforce)
	return tw.Flush()
}
