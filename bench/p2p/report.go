package main

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
)

// nodeFigures are one node's resource figures.
type nodeFigures struct {
	cpu     float64 // seconds, from start to just before SIGTERM
	cpuBusy float64 // seconds, from the first probe to the end of the busy window
	rss     int64   // peak (VmHWM), bytes
	peers   int     // connected at the end
}

// result is what one run measured.
type result struct {
	o        options
	idle     window  // no records
	idleCPU  float64 // CPU seconds of all nodes over the idle window
	busy     window  // first probe → every node holds every record, + settle
	sendTime time.Duration
	allHeld  time.Duration // first probe → every node listed every number
	held     []int         // numbers each node listed at the end of the wait
	complete bool
	counters []p2pCounters
	nodes    []nodeFigures
	lat      latencies
	machine  machineLoad // over the busy window
	sending  machineLoad // while the probes were sent
}

// print writes the report and the verdict, and returns the exit status:
// 0 when every floor holds, 1 when one does not.
func (r *result) print(w io.Writer) int {
	o := r.o
	fmt.Fprintf(w, "\np2p benchmark: %d nodes, %d records injected at node 0 at %.0f/s, %d CPUs\n",
		o.nodes, o.records, o.rate, runtime.NumCPU())
	fmt.Fprintf(w, "  sent in %.2f s; every node listed every number %.2f s after the first probe",
		r.sendTime.Seconds(), r.allHeld.Seconds())
	if !r.complete {
		fmt.Fprintf(w, " -- NOT REACHED within %s: %v", o.timeout, r.held)
	}
	fmt.Fprintln(w)

	l := r.lat
	fmt.Fprintf(w, "\nlatency (ms)                            %6s %8s %8s %8s %8s\n", "n", "p50", "p95", "p99", "max")
	row := func(name string, d []time.Duration) {
		ms := func(p float64) string { return fmt.Sprintf("%.1f", float64(percentile(d, p))/1e6) }
		fmt.Fprintf(w, "  %-38s%6d %8s %8s %8s %8s\n", name, len(d), ms(50), ms(95), ms(99), ms(100))
	}
	row("probe sent -> node 0 stored its record", l.local)
	row("node 0 -> one other node", l.single)
	row("node 0 -> every other node", l.all)
	if l.unmade+l.missing > 0 {
		fmt.Fprintf(w, "  records never made at node 0: %d; records some node lacks: %d (%d node-records missing)\n",
			l.unmade, l.missing, l.lacking)
	}

	// The idle traffic at the same rate is taken off the busy window's.
	idleShare := r.busy.d.Seconds() / r.idle.d.Seconds()
	perRecord := (r.busy.total() - idleShare*r.idle.total()) / float64(o.records)
	sentPerRecord := (r.busy.out - idleShare*r.idle.out) / float64(o.records)
	fmt.Fprintf(w, "\nbytes on the wire (sentrypeer_p2p_bytes_total, stream payload, in + out, summed over the nodes)\n")
	fmt.Fprintf(w, "  idle:   %10.0f B in %5.1f s = %8.0f B/s\n", r.idle.total(), r.idle.d.Seconds(), r.idle.perSecond())
	fmt.Fprintf(w, "  busy:   %10.0f B in %5.1f s (first probe to all stored, + %s)\n", r.busy.total(), r.busy.d.Seconds(), settle)
	fmt.Fprintf(w, "  per record: %.0f B network-wide (in + out; %.0f B sent), %.0f B per node (in + out)\n",
		perRecord, sentPerRecord, perRecord/float64(o.nodes))

	var gossip, sync, dropped, sendDropped, validateDropped float64
	rejected := map[string]float64{}
	for _, c := range r.counters {
		gossip += c.gossip
		sync += c.sync
		dropped += c.dropped
		sendDropped += c.sendDropped
		validateDropped += c.validateDropped
		for k, v := range c.rejected {
			rejected[k] += v
		}
	}
	var rej []string
	for _, k := range slices.Sorted(maps.Keys(rejected)) {
		rej = append(rej, fmt.Sprintf("%s=%.0f", k, rejected[k]))
	}
	fmt.Fprintf(w, "  records accepted by the other nodes: gossip %.0f, sync %.0f; dropped %.0f; rejected: %s\n",
		gossip, sync, dropped, orNone(strings.Join(rej, " ")))
	fmt.Fprintf(w, "  gossip copies pubsub dropped (queues full): %.0f not sent, %.0f not validated\n", sendDropped, validateDropped)

	fmt.Fprintf(w, "\nper node   peers  topic   CPU s (total / busy)   peak RSS MB\n")
	cpus := make([]float64, len(r.nodes))
	rss := make([]float64, len(r.nodes))
	for i, n := range r.nodes {
		cpus[i], rss[i] = n.cpu, float64(n.rss)/1e6
		fmt.Fprintf(w, "  node %02d %6d %6d   %8.2f / %6.2f       %8.1f\n",
			i, n.peers, r.counters[i].topicPeers, n.cpu, n.cpuBusy, rss[i])
	}
	var busySum float64
	for _, n := range r.nodes {
		busySum += n.cpuBusy
	}
	fmt.Fprintf(w, "  max                %8.2f              %8.1f\n", slices.Max(cpus), slices.Max(rss))
	fmt.Fprintf(w, "  median             %8.2f              %8.1f\n", median(cpus), median(rss))
	fmt.Fprintf(w, "  busy window: the nodes used %.2f CPU s, the harness %.2f; the machine's %d CPUs were %.0f %% busy (%.0f %% while sending)\n",
		busySum, r.machine.harness, runtime.NumCPU(), 100*r.machine.busy, 100*r.sending.busy)
	idleCPURate := r.idleCPU / r.idle.d.Seconds()
	cpuPerRecord := (busySum - idleCPURate*r.busy.d.Seconds()) / float64(o.records)
	fmt.Fprintf(w, "  idle window: the nodes used %.2f CPU s; per record: %.2f CPU ms network-wide, %.3f CPU ms per node\n",
		r.idleCPU, 1e3*cpuPerRecord, 1e3*cpuPerRecord/float64(o.nodes))

	p99 := percentile(l.all, 99)
	allOK := r.complete && l.unmade == 0 && l.missing == 0 && p99 < floorP99All
	rssOK := slices.Max(rss) < floorRSS/1e6
	fmt.Fprintln(w, "\nfloors:")
	fmt.Fprintf(w, "  %-50s %s  (p99 %.1f ms, %d of %d records at every node)\n",
		fmt.Sprintf("p99 of node 0 -> every other node < %s", floorP99All), verdict(allOK),
		float64(p99)/1e6, len(l.all), o.records)
	fmt.Fprintf(w, "  %-50s %s  (max %.1f MB)\n",
		fmt.Sprintf("peak RSS of every node < %.0f MB", floorRSS/1e6), verdict(rssOK), slices.Max(rss))
	if allOK && rssOK {
		fmt.Fprintln(w, "result: PASS")
		return 0
	}
	fmt.Fprintln(w, "result: FAIL")
	return 1
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
