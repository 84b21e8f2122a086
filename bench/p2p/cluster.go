package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cluster is the set of nodes of one run. It is used from one goroutine.
type cluster struct {
	bin    string
	work   string
	nodes  []*node
	client *http.Client
}

func newCluster(bin, work string) *cluster {
	return &cluster{bin: bin, work: work, client: &http.Client{Timeout: 5 * time.Second}}
}

// start starts n nodes one after the other, each once the one before
// answers on its API: node 0 alone, node k bootstrapped from node 0 and
// from one random earlier node other than 0 (when there is one), so that
// the network is more than a star around node 0.
func (c *cluster) start(ctx context.Context, n int) error {
	used := map[int]bool{}
	for i := range n {
		nd := &node{i: i, dir: filepath.Join(c.work, fmt.Sprintf("node%02d", i))}
		c.nodes = append(c.nodes, nd)
		for _, p := range []*int{&nd.sip, &nd.api, &nd.p2p} {
			port, err := freePort(used)
			if err != nil {
				return err
			}
			*p = port
		}
		if err := os.MkdirAll(nd.dir, 0o750); err != nil {
			return err
		}
		if err := nd.identify(ctx, c.bin); err != nil {
			return err
		}
		var boot []string
		if i > 0 {
			boot = append(boot, c.nodes[0].bootAddr())
		}
		if i > 1 {
			boot = append(boot, c.nodes[1+rand.IntN(i-1)].bootAddr())
		}
		if err := nd.start(c.bin, boot); err != nil {
			return err
		}
		if err := c.waitAPI(ctx, nd); err != nil {
			return err
		}
	}
	return nil
}

// waitAPI waits until nd answers GET /api/v1/peers.
func (c *cluster) waitAPI(ctx context.Context, nd *node) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var p peersBody
		if err := getJSON(ctx, c.client, nd.url("/api/v1/peers"), &p); err == nil {
			return nil
		}
		if !nd.running() {
			return fmt.Errorf("node %d exited at start (%v):\n%s", nd.i, nd.waitErr, nd.lastLog())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %d: API not up after 30 s:\n%s", nd.i, nd.lastLog())
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// waitMesh waits until every node has a peer, and a peer in the records
// topic, and node 0 counts every one of its peers in the topic: node 0
// publishes to its topic peers, so those it has not seen subscribe yet
// would miss the first records.
func (c *cluster) waitMesh(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		status, ready, err := c.meshStatus(ctx)
		if err != nil {
			return err
		}
		if ready {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mesh not ready after %s: %s", timeout, status)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

func (c *cluster) meshStatus(ctx context.Context) (string, bool, error) {
	ready := true
	var b strings.Builder
	for i, nd := range c.nodes {
		if !nd.running() {
			return "", false, fmt.Errorf("node %d exited (%v):\n%s", i, nd.waitErr, nd.lastLog())
		}
		var p peersBody
		if err := getJSON(ctx, c.client, nd.url("/api/v1/peers"), &p); err != nil {
			return "", false, err
		}
		m, err := scrape(ctx, c.client, nd.url("/metrics"))
		if err != nil {
			return "", false, err
		}
		topic := int(m["sentrypeer_p2p_topic_peers"])
		fmt.Fprintf(&b, " %d:%d/%d", i, topic, len(p.Peers))
		if len(p.Peers) < 1 || topic < 1 || (i == 0 && topic < len(p.Peers)) {
			ready = false
		}
	}
	return "node:topic/peers" + b.String(), ready, nil
}

// window is traffic over a span of time, summed over the nodes.
type window struct {
	in, out float64 // bytes
	d       time.Duration
}

// total counts every byte twice, once at each end: the per-node figure.
func (w window) total() float64     { return w.in + w.out }
func (w window) perSecond() float64 { return w.total() / w.d.Seconds() }

// bytes sums sentrypeer_p2p_bytes_total over the nodes, by direction, into
// a window of no duration.
func (c *cluster) bytes(ctx context.Context) (window, error) {
	var w window
	for _, nd := range c.nodes {
		m, err := scrape(ctx, c.client, nd.url("/metrics"))
		if err != nil {
			return window{}, err
		}
		w.in += m[`sentrypeer_p2p_bytes_total{direction="in"}`]
		w.out += m[`sentrypeer_p2p_bytes_total{direction="out"}`]
	}
	return w, nil
}

// between is the traffic from b0 to b1, which followed it by d.
func between(b0, b1 window, d time.Duration) window {
	return window{in: b1.in - b0.in, out: b1.out - b0.out, d: d}
}

// traffic measures the bytes of the nodes over d.
func (c *cluster) traffic(ctx context.Context, d time.Duration) (window, error) {
	b0, err := c.bytes(ctx)
	if err != nil {
		return window{}, err
	}
	t0 := time.Now()
	if err := sleep(ctx, d); err != nil {
		return window{}, err
	}
	b1, err := c.bytes(ctx)
	if err != nil {
		return window{}, err
	}
	return between(b0, b1, time.Since(t0)), nil
}

// waitNumbers waits until every node lists want numbers, or timeout
// passes. It returns how many each node lists at the end and whether all
// reached want; a timeout is a result, not an error.
func (c *cluster) waitNumbers(ctx context.Context, want int, timeout time.Duration) ([]int, bool, error) {
	deadline := time.Now().Add(timeout)
	held := make([]int, len(c.nodes))
	for {
		all := true
		for i, nd := range c.nodes {
			if held[i] >= want {
				continue
			}
			var l numberList
			if err := getJSON(ctx, c.client, nd.url("/api/v1/numbers?limit=1"), &l); err != nil {
				return nil, false, err
			}
			held[i] = l.Total
			if l.Total < want {
				all = false
			}
		}
		if all {
			return held, true, nil
		}
		if time.Now().After(deadline) {
			return held, false, nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, false, err
		}
	}
}

// cpu reads every node's CPU time so far, in seconds.
func (c *cluster) cpu() ([]float64, error) {
	hz := clockTicks()
	out := make([]float64, len(c.nodes))
	for i, nd := range c.nodes {
		s, err := cpuSeconds(nd.pid(), hz)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// counters reads each node's peer-to-peer counters.
func (c *cluster) counters(ctx context.Context) ([]p2pCounters, error) {
	out := make([]p2pCounters, len(c.nodes))
	for i, nd := range c.nodes {
		m, err := scrape(ctx, c.client, nd.url("/metrics"))
		if err != nil {
			return nil, err
		}
		out[i] = countersFrom(m)
	}
	return out, nil
}

// stop sends SIGTERM to every node still running, waits for all of them,
// kills those that do not exit within stopTimeout, and returns how many
// it killed. It may be called again; nodes already reaped are skipped.
func (c *cluster) stop() int {
	for _, nd := range c.nodes {
		nd.terminate()
	}
	deadline := time.Now().Add(stopTimeout)
	killed := 0
	for _, nd := range c.nodes {
		was := nd.killed
		nd.reap(deadline)
		if nd.killed && !was {
			killed++
		}
	}
	return killed
}
