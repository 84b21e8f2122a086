package integration

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lab is a set of network namespaces, one per node, joined by veth links
// to a bridge in a hub namespace: 10.77.0.1, 10.77.0.2, ... The test that
// makes it owns it; it is removed when the test ends, also when it fails.
type lab struct {
	t      *testing.T
	prefix string
	nodes  []string
}

func newLab(t *testing.T, n int) *lab {
	t.Helper()
	ip := requirePeer(t, "ip")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("network namespaces need root")
		}
		t.Skip("network namespaces need root")
	}
	l := &lab{t: t, prefix: fmt.Sprintf("sp%d-", os.Getpid()%100000)}
	hub := l.prefix + "hub"
	t.Cleanup(func() {
		for _, ns := range append(l.nodes, hub) {
			exec.Command(ip, "netns", "del", ns).Run()
		}
	})
	l.run(ip, "netns", "add", hub)
	l.run(ip, "-n", hub, "link", "add", "br0", "type", "bridge")
	l.run(ip, "-n", hub, "link", "set", "br0", "up")
	for i := range n {
		ns := fmt.Sprintf("%s%d", l.prefix, i)
		l.nodes = append(l.nodes, ns)
		host := fmt.Sprintf("h%d", i)
		l.run(ip, "netns", "add", ns)
		l.run(ip, "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", host, "netns", hub)
		l.run(ip, "-n", hub, "link", "set", host, "master", "br0")
		l.run(ip, "-n", hub, "link", "set", host, "up")
		l.run(ip, "-n", ns, "addr", "add", l.addr(i)+"/24", "dev", "eth0")
		l.run(ip, "-n", ns, "link", "set", "eth0", "up")
		l.run(ip, "-n", ns, "link", "set", "lo", "up")
	}
	return l
}

func (l *lab) run(name string, args ...string) string {
	l.t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// addr is node i's address.
func (l *lab) addr(i int) string { return fmt.Sprintf("10.77.0.%d", i+1) }

// cmd returns a command that runs in node i's namespace.
func (l *lab) cmd(i int, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", l.nodes[i], name}, args...)...)
}

// start runs sentrypeer in node i's namespace: SIP on its lab address and
// on loopback, the API on loopback there, peer-to-peer (in a full build) on
// its lab address. --p2p-allow-private also lets the lab's private
// addresses be blocked.
func (l *lab) start(i int, dataDir string, args ...string) *daemon {
	l.t.Helper()
	d := &daemon{t: l.t, dataDir: dataDir, port: 5060, exited: make(chan struct{})}
	d.addr = "127.0.0.1:5060"
	d.api = "http://127.0.0.1:8082"
	all := append([]string{binary, "--data-dir", dataDir, "--sip-listen", "127.0.0.1:5060," + l.addr(i) + ":5060",
		"--api-listen", "127.0.0.1:8082", "--p2p-allow-private"}, p2pListen("/ip4/"+l.addr(i)+"/tcp/4001")...)
	all = append(all, args...)
	d.launch(l.cmd(i, all[0], all[1:]...))
	return d
}

// get fetches path from node i's API, from inside its namespace.
func (l *lab) get(i int, path string) (int, string) {
	l.t.Helper()
	out, err := l.cmd(i, "curl", "-s", "-m", "10", "-w", "\n%{http_code}", "http://127.0.0.1:8082"+path).Output()
	if err != nil {
		l.t.Fatalf("GET %s in %s: %v", path, l.nodes[i], err)
	}
	// curl's -w puts the status on a line of its own after the body.
	body, code := string(out), ""
	if i := strings.LastIndex(body, "\n"); i >= 0 {
		body, code = body[:i], body[i+1:]
	}
	var n int
	fmt.Sscan(code, &n)
	return n, body
}

// waitUntil polls cond every 50 ms until it holds or d passes, and returns
// how long it took.
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// peerProcess is a real peer (BIRD, bgpd, a bouncer) started in a lab
// namespace, its output kept.
type peerProcess struct {
	out    syncBuffer
	exited chan struct{} // closed when it has exited
	stop   func()        // SIGTERM, then SIGKILL after 5 s; waits for it
}

// startPeer starts cmd and stops it by its PID when the test ends, also
// when it fails (ip netns exec execs it: the PID is the peer's), logging
// the end of its output if the test failed.
func startPeer(t *testing.T, name string, cmd *exec.Cmd) *peerProcess {
	t.Helper()
	p := &peerProcess{exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-p.exited
			}
		})
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(p.out.String(), 40))
		}
	})
	return p
}
