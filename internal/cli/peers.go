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
(GET /api/v1/peers).

Flags:
` + commonUsage

// peersReply is the reply of /api/v1/peers.
type peersReply struct {
	Sharing bool     `json:"sharing"`
	PeerID  string   `json:"peer_id"`
	Addrs   []string `json:"addrs"`
	Peers   []struct {
		PeerID          string   `json:"peer_id"`
		Addrs           []string `json:"addrs"`
		ConnectedSince  string   `json:"connected_since"`
		RecordsReceived uint64   `json:"records_received"`
		Score           *float64 `json:"score"`
		Trusted         bool     `json:"trusted"`
	} `json:"peers"`
}

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
	defer c.close()
	var rep peersReply
	raw, err := c.getJSON(ctx, "/api/v1/peers", nil, &rep)
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		return r.done(r.printJSON(raw, true))
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
	fmt.Fprintln(tw, "PEER ID\tCONNECTED SINCE\tRECORDS\tSCORE\tTRUSTED\tADDRESSES")
	for _, p := range rep.Peers {
		score := "-"
		if p.Score != nil {
			score = strconv.FormatFloat(*p.Score, 'f', 1, 64)
		}
		trusted := "no"
		if p.Trusted {
			trusted = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", cell(p.PeerID, 0), timeCell(p.ConnectedSince), p.RecordsReceived, score, trusted, cell(strings.Join(p.Addrs, " "), 0))
	}
	return r.done(tw.Flush())
}
