package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// settle is how long GossipSub is given to finish with a burst: its gossip
// (IHAVE) about a message goes on for three heartbeats of 1 s after it.
// It is also the wait for the mesh to form after the nodes see each other.
const settle = 3 * time.Second

// harness runs one benchmark. It is not safe for concurrent use.
type harness struct {
	o     options
	start time.Time
}

// logf prints progress to stderr, with the time since the start.
func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "p2pbench %6.1fs: %s\n", time.Since(h.start).Seconds(), fmt.Sprintf(format, args...))
}

// bench runs the phases in order and returns what they measured. Every
// node it started is stopped before it returns, whatever happened.
func (h *harness) bench(ctx context.Context) (res *result, err error) {
	work, err := os.MkdirTemp("", "p2pbench.")
	if err != nil {
		return nil, err
	}
	defer func() {
		if h.o.keep {
			fmt.Fprintf(os.Stderr, "p2pbench: kept %s\n", work)
			return
		}
		os.RemoveAll(work)
	}()

	bin := h.o.bin
	if bin == "" {
		bin = filepath.Join(work, "sentrypeer")
		h.logf("building ./cmd/sentrypeer")
		if err := build(ctx, bin); err != nil {
			return nil, err
		}
	}

	c := newCluster(bin, work)
	defer func() {
		if n := c.stop(); n > 0 && err == nil {
			err = fmt.Errorf("%d nodes needed SIGKILL", n)
		}
	}()
	h.logf("starting %d nodes in %s", h.o.nodes, work)
	if err := c.start(ctx, h.o.nodes); err != nil {
		return nil, err
	}
	h.logf("waiting for the mesh")
	if err := c.waitMesh(ctx, h.o.timeout); err != nil {
		return nil, err
	}
	if err := sleep(ctx, settle); err != nil {
		return nil, err
	}

	res = &result{o: h.o}
	if err := h.idle(ctx, c, res); err != nil {
		return nil, err
	}
	sent, err := h.busy(ctx, c, res)
	if err != nil {
		return nil, err
	}
	if err := h.resources(ctx, c, res); err != nil {
		return nil, err
	}
	h.logf("stopping the nodes")
	if n := c.stop(); n > 0 {
		return nil, fmt.Errorf("%d nodes did not exit within %s of SIGTERM", n, stopTimeout)
	}

	h.logf("reading the databases")
	arr := make([]arrivals, len(c.nodes))
	for i, n := range c.nodes {
		if arr[i], err = readArrivals(ctx, n.db(), i == 0); err != nil {
			return nil, err
		}
	}
	res.lat = computeLatencies(sent, arr)
	return res, nil
}

// idle measures the nodes' traffic and CPU with no records, over as long
// as the injection should take.
func (h *harness) idle(ctx context.Context, c *cluster, res *result) error {
	planned := time.Duration(float64(h.o.records)/h.o.rate*float64(time.Second)) + settle
	h.logf("idle traffic for %.1f s", planned.Seconds())
	cpu0, err := c.cpu()
	if err != nil {
		return err
	}
	if res.idle, err = c.traffic(ctx, planned); err != nil {
		return err
	}
	cpu1, err := c.cpu()
	if err != nil {
		return err
	}
	for i := range cpu1 {
		res.idleCPU += cpu1[i] - cpu0[i]
	}
	return nil
}

// busy injects the records, waits until every node holds them (and
// settle more), and measures the traffic and CPU over that window. It
// returns when each number was sent.
func (h *harness) busy(ctx context.Context, c *cluster, res *result) (map[string]int64, error) {
	h.logf("injecting %d records at %.0f/s", h.o.records, h.o.rate)
	cpu0, err := c.cpu()
	if err != nil {
		return nil, err
	}
	b0, err := c.bytes(ctx)
	if err != nil {
		return nil, err
	}
	m0, err := sampleMachine()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	sent, err := inject(ctx, c.nodes[0].sip, h.o.records, h.o.rate)
	if err != nil {
		return nil, err
	}
	res.sendTime = time.Since(t0)
	mSent, err := sampleMachine()
	if err != nil {
		return nil, err
	}
	res.sending = mSent.since(m0)

	h.logf("sent in %.2f s; waiting until every node holds %d numbers", res.sendTime.Seconds(), h.o.records)
	if res.held, res.complete, err = c.waitNumbers(ctx, h.o.records, h.o.timeout); err != nil {
		return nil, err
	}
	res.allHeld = time.Since(t0)
	if err := sleep(ctx, settle); err != nil {
		return nil, err
	}
	b1, err := c.bytes(ctx)
	if err != nil {
		return nil, err
	}
	res.busy = between(b0, b1, time.Since(t0))
	m1, err := sampleMachine()
	if err != nil {
		return nil, err
	}
	res.machine = m1.since(m0)
	cpu1, err := c.cpu()
	if err != nil {
		return nil, err
	}
	res.nodes = make([]nodeFigures, len(c.nodes))
	for i := range c.nodes {
		res.nodes[i] = nodeFigures{cpu: cpu1[i], cpuBusy: cpu1[i] - cpu0[i]}
	}
	return sent, nil
}

// resources reads each node's counters and peak RSS, just before the
// nodes are stopped: shutdown is not the steady state being measured.
func (h *harness) resources(ctx context.Context, c *cluster, res *result) error {
	var err error
	if res.counters, err = c.counters(ctx); err != nil {
		return err
	}
	for i, n := range c.nodes {
		if res.nodes[i].rss, err = peakRSS(n.pid()); err != nil {
			return fmt.Errorf("node %d: %w", i, err)
		}
		res.nodes[i].peers = res.counters[i].peers
	}
	return nil
}

// build compiles ./cmd/sentrypeer of the module the current directory is in.
func build(ctx context.Context, out string) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("finding the module: %w", err)
	}
	mod := strings.TrimSpace(string(gomod))
	if mod == "" || mod == os.DevNull {
		return fmt.Errorf("not inside the sentrypeer module: run from the repository, or set -bin")
	}
	root := filepath.Dir(mod)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/sentrypeer")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building ./cmd/sentrypeer in %s: %w\n%s", root, err, b)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
