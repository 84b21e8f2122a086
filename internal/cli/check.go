package cli

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"text/tabwriter"
)

// checkReply is the reply of /api/v1/check/ip/{ip} and /check/number/{n}.
type checkReply struct {
	IP        string   `json:"ip"`
	Number    string   `json:"number"`
	Bad       bool     `json:"bad"`
	FirstSeen string   `json:"first_seen"`
	LastSeen  string   `json:"last_seen"`
	Count     int64    `json:"count"`
	Sources   []string `json:"sources"`
	Reporters int      `json:"reporters"`
	Enforce   bool     `json:"enforce"`
}

// checkPath returns the API path that checks arg: as an IP address when it
// parses as one (a zone is dropped: the list holds none), else as a number.
func checkPath(arg string) (path, label string) {
	if a, err := netip.ParseAddr(arg); err == nil {
		return "/api/v1/check/ip/" + url.PathEscape(a.WithZone("").String()), "IP"
	}
	return "/api/v1/check/number/" + url.PathEscape(arg), "NUMBER"
}

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
	defer c.close()

	path, label := checkPath(pos[0])
	var rep checkReply
	raw, err := c.getJSON(ctx, path, nil, &rep)
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		err = r.printJSON(raw, true)
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

func (r *runner) checkTable(rep checkReply, label string) error {
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
	fmt.Fprintf(tw, "FIRST SEEN\t%s\n", timeCell(rep.FirstSeen))
	fmt.Fprintf(tw, "LAST SEEN\t%s\n", timeCell(rep.LastSeen))
	fmt.Fprintf(tw, "SOURCES\t%s\n", listCell(rep.Sources, 0))
	fmt.Fprintf(tw, "REPORTERS\t%d\n", rep.Reporters)
	enforce := "no (reported by peers, short of the quorum)"
	if rep.Enforce {
		enforce = "yes"
	}
	fmt.Fprintf(tw, "ENFORCE\t%s\n", enforce)
	return tw.Flush()
}
