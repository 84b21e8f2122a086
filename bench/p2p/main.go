// Command p2p measures the peer-to-peer network end to end: it starts
// -nodes SentryPeer daemons on 127.0.0.1 that share records with each
// other, makes -records new records at node 0 by sending it SIP INVITEs to
// distinct numbers, and measures how long each record takes to be stored
// by every other node, how many bytes the network spends per record, and
// each node's CPU time and peak memory.
//
//	go run ./bench/p2p [-nodes 20] [-records 1000] [-rate 200] [-bin PATH] [-keep] [-timeout 60s]
//
// In order, it:
//
//  1. builds ./cmd/sentrypeer (or takes -bin) and starts the nodes, each in
//     its own data folder under a temporary directory, node 0 first, every
//     other node bootstrapped from node 0 and from one random earlier node;
//     then waits until every node has a peer in the records topic and
//     node 0 sees all its peers there, and lets GossipSub's mesh settle;
//  2. measures the idle traffic (sentrypeer_p2p_bytes_total, in and out,
//     summed over the nodes) over a window as long as the injection
//     should take;
//  3. sends the INVITEs to node 0 over UDP at -rate, one datagram each;
//  4. waits until every node lists all the numbers (GET /api/v1/numbers);
//  5. reads each node's CPU time and peak RSS from /proc, stops every
//     node with SIGTERM, and reads when each node stored each record from
//     its database (shared_records.received).
//
// It prints the latency percentiles, the bytes per record and a line per
// node, then PASS or FAIL against the floors: p99 of "stored by every other
// node" under 1 s, and every node's peak RSS under 100 MB. Exit status: 0
// when both hold, 1 when one does not, 2 when the harness failed or was
// interrupted. Every process it started is stopped by PID on every path;
// the temporary directory is removed unless -keep or KEEP is set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	nodes   int
	records int
	rate    float64
	bin     string
	keep    bool
	timeout time.Duration
}

// Floors: what a run must show to pass.
const (
	floorP99All = time.Second // p99 of "stored by every other node"
	floorRSS    = 100e6       // peak RSS of every node, bytes
)

func main() { os.Exit(run()) }

func run() int {
	var o options
	flag.IntVar(&o.nodes, "nodes", 20, "nodes to start")
	flag.IntVar(&o.records, "records", 1000, "records to inject at node 0 (one INVITE to a new number each)")
	flag.Float64Var(&o.rate, "rate", 50, "INVITEs per second")
	flag.StringVar(&o.bin, "bin", os.Getenv("BIN"), "sentrypeer binary (default $BIN, else built from ./cmd/sentrypeer)")
	flag.BoolVar(&o.keep, "keep", os.Getenv("KEEP") != "", "keep the temporary directory (default: true when $KEEP is set)")
	flag.DurationVar(&o.timeout, "timeout", time.Minute, "longest wait for the mesh, and for every node to hold every record")
	flag.Parse()
	if o.nodes < 2 || o.records < 1 || o.rate <= 0 || o.timeout <= 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "p2pbench: want -nodes >= 2, -records >= 1, -rate > 0, -timeout > 0 and no arguments")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h := &harness{o: o, start: time.Now()}
	res, err := h.bench(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintf(os.Stderr, "p2pbench: %v\n", err)
		return 2
	}
	return res.print(os.Stdout)
}
