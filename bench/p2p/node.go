package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// stopTimeout is how long a node has to exit after SIGTERM before it is
// killed.
const stopTimeout = 20 * time.Second

// node is one daemon. Its fields are set before start and not changed
// after, except by start and stop, which the cluster calls from one
// goroutine.
type node struct {
	i             int
	dir           string // data folder
	sip, api, p2p int    // ports on 127.0.0.1
	peerID        string
	cmd           *exec.Cmd
	exited        chan struct{} // closed when the process has been reaped
	waitErr       error         // valid after exited is closed
	logFile       *os.File
	killed        bool
}

func (n *node) db() string      { return filepath.Join(n.dir, "sentrypeer.db") }
func (n *node) pid() int        { return n.cmd.Process.Pid }
func (n *node) logPath() string { return n.dir + ".log" }

// url is the node's API URL for path.
func (n *node) url(path string) string { return fmt.Sprintf("http://127.0.0.1:%d%s", n.api, path) }

// bootAddr is the multiaddr other nodes bootstrap from.
func (n *node) bootAddr() string {
	return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/%s", n.p2p, n.peerID)
}

func (n *node) running() bool {
	if n.exited == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// identify makes the node's key with `sentrypeer id` and reads its peer ID.
func (n *node) identify(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, bin, "id", "--data-dir", n.dir,
		"--p2p-listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", n.p2p)).Output()
	if err != nil {
		return fmt.Errorf("node %d: sentrypeer id: %w", n.i, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "peer ID: "); ok {
			n.peerID = strings.TrimSpace(id)
			return nil
		}
	}
	return fmt.Errorf("node %d: no peer ID in the output of sentrypeer id: %q", n.i, out)
}

// start runs the daemon, its output going to logPath. boot lists the
// multiaddrs it bootstraps from.
func (n *node) start(bin string, boot []string) error {
	args := []string{
		"--data-dir", n.dir,
		"--sip-listen", fmt.Sprintf("127.0.0.1:%d", n.sip),
		"--api-listen", fmt.Sprintf("127.0.0.1:%d", n.api),
		"--p2p-listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", n.p2p),
		// The probes come from 127.0.0.1, which is otherwise never shared.
		"--p2p-allow-private",
	}
	for _, b := range boot {
		args = append(args, "-b", b)
	}
	f, err := os.Create(n.logPath())
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A process group of its own: a Ctrl-C at the terminal reaches
		// only the harness, which stops the nodes itself, in order.
		Setpgid: true,
		// Should the harness be killed outright, the nodes die with it.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("node %d: starting %s: %w", n.i, bin, err)
	}
	n.cmd, n.logFile, n.exited = cmd, f, make(chan struct{})
	go func() {
		n.waitErr = cmd.Wait()
		f.Close()
		close(n.exited)
	}()
	return nil
}

// terminate sends SIGTERM if the node still runs.
func (n *node) terminate() {
	if n.running() {
		n.cmd.Process.Signal(syscall.SIGTERM)
	}
}

// reap waits until the node has exited, killing it once deadline passes.
func (n *node) reap(deadline time.Time) {
	if n.exited == nil {
		return
	}
	select {
	case <-n.exited:
		return
	case <-time.After(time.Until(deadline)):
	}
	n.killed = true
	n.cmd.Process.Kill()
	<-n.exited
}

// lastLog is the end of the node's output, for error messages.
func (n *node) lastLog() string {
	b, _ := os.ReadFile(n.logPath())
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}

// cleanEnv is the harness's environment without SENTRYPEER_* settings,
// which would change what the nodes do.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SENTRYPEER_") {
			env = append(env, kv)
		}
	}
	return env
}

// freePort returns a port on 127.0.0.1 free for both TCP and UDP now and
// not in used; it adds it to used.
func freePort(used map[int]bool) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, uerr := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if uerr != nil || used[port] {
			if uerr == nil {
				u.Close()
			}
			continue
		}
		u.Close()
		used[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("no free port on 127.0.0.1")
}
