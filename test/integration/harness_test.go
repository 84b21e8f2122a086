// Package integration drives the built sentrypeer binary with real SIP
// tools (sipp, sipvicious) on loopback and checks what it recorded, in the
// database and in the JSON log.
//
// Tests that need a peer fail when it is missing under CI=true and skip
// otherwise; `make check` installs the peers first.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// binary is the sentrypeer executable: built once for the whole run, or
// the one SENTRYPEER_BIN names (`make check-lite` tests the lite build so).
var binary string

// liteBinary is true when binary is a lite build (its -V lists the tag
// lite): no peer-to-peer engine, no /metrics, no BGP speaker.
var liteBinary bool

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sentrypeer-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if bin := os.Getenv("SENTRYPEER_BIN"); bin != "" {
		if binary, err = filepath.Abs(bin); err != nil {
			fmt.Fprintln(os.Stderr, "SENTRYPEER_BIN:", err)
			os.Exit(1)
		}
	} else {
		binary = filepath.Join(dir, "sentrypeer")
		build := exec.Command("go", "build", "-o", binary, "../../cmd/sentrypeer")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building sentrypeer:", err)
			os.Exit(1)
		}
	}
	if liteBinary, err = isLite(binary); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// isLite reads the build tags that bin -V prints.
func isLite(bin string) (bool, error) {
	out, err := exec.Command(bin, "-V").Output()
	if err != nil {
		return false, fmt.Errorf("%s -V: %v", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if tags, ok := strings.CutPrefix(line, "tags: "); ok {
			return slices.Contains(strings.Split(tags, ","), "lite"), nil
		}
	}
	return false, fmt.Errorf("%s -V prints no tags line:\n%s", bin, out)
}

// requireFull skips t when the binary is a lite build, which leaves out
// what t needs (the peer-to-peer engine, /metrics or the BGP speaker).
// Skipping is acceptable only because `make check` runs every test against
// the full binary too (the integration target), and the lite binary only
// in check-lite: a test that calls requireFull runs in one of the two.
func requireFull(t *testing.T, what string) {
	t.Helper()
	if liteBinary {
		t.Skipf("needs %s, which lite builds leave out; the full binary runs this test in make integration", what)
	}
}

// requireLite skips t unless the binary is a lite build; `make check-lite`
// runs such tests, against the lite binary of the same make check.
func requireLite(t *testing.T) {
	t.Helper()
	if !liteBinary {
		t.Skip("tests the lite build; make check-lite runs it against bin/sentrypeer-lite")
	}
}

// p2pListen is the harness's peer-to-peer listen flag, for full builds
// (lite builds refuse it): addr's multiaddr.
func p2pListen(addr string) []string {
	if liteBinary {
		return nil
	}
	return []string{"--p2p-listen", addr}
}

// requirePeer returns the path of a peer tool; without it the test fails in
// CI and is skipped elsewhere.
func requirePeer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("peer %s is missing (make check installs it with .ci/install-peers)", name)
	}
	t.Skipf("peer %s is missing; run `make peers`", name)
	return ""
}

// freePort returns a port free for both UDP and TCP on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		uc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := uc.LocalAddr().(*net.UDPAddr).Port
		tl, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		uc.Close()
		if err == nil {
			tl.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// daemon is one running sentrypeer process.
type daemon struct {
	t       *testing.T
	cmd     *exec.Cmd
	dataDir string
	port    int
	addr    string // 127.0.0.1:port
	api     string // the API's base URL
	mu      sync.Mutex
	stderr  bytes.Buffer
	exited  chan struct{}
	waitErr error
}

func (d *daemon) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.Write(p)
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stderr.String()
}

// start runs sentrypeer on a free loopback port with its data in dataDir
// (a new temporary folder when empty) and waits until it listens. Its
// peer-to-peer side (in a full build) listens on a free loopback port and
// knows no peers.
func start(t *testing.T, dataDir string, args ...string) *daemon {
	t.Helper()
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	d := &daemon{t: t, dataDir: dataDir, port: freePort(t), exited: make(chan struct{})}
	d.addr = fmt.Sprintf("127.0.0.1:%d", d.port)
	apiAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	d.api = "http://" + apiAddr
	all := append([]string{"--data-dir", dataDir, "--sip-listen", d.addr, "--api-listen", apiAddr, "-j"}, p2pListen("/ip4/127.0.0.1/tcp/0")...)
	all = append(all, args...)
	d.launch(exec.Command(binary, all...))
	return d
}

// launch starts cmd, a sentrypeer, and waits until it says it started.
func (d *daemon) launch(cmd *exec.Cmd) {
	t := d.t
	t.Helper()
	d.cmd = cmd
	d.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	d.cmd.Stdout, d.cmd.Stderr = d, d
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.waitErr = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			d.cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("sentrypeer log (%s):\n%s", d.dataDir, d.log())
		}
	})
	deadline := time.After(20 * time.Second)
	for !strings.Contains(d.log(), "sentrypeer started") {
		select {
		case <-d.exited:
			t.Fatalf("sentrypeer exited at start: %v\n%s", d.waitErr, d.log())
		case <-deadline:
			t.Fatalf("sentrypeer did not start:\n%s", d.log())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (d *daemon) stop() {
	d.t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(60 * time.Second):
		d.cmd.Process.Kill()
		d.t.Fatalf("sentrypeer did not stop within 60 s after SIGTERM")
	}
	if d.waitErr != nil {
		d.t.Fatalf("sentrypeer exit: %v\n%s", d.waitErr, d.log())
	}
}

// openStore opens the daemon's database (the daemon may still be running:
// SQLite in WAL mode allows a reader beside the writer).
func (d *daemon) openStore() *store.Store {
	d.t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(d.dataDir, "sentrypeer.db"), store.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		d.t.Fatal(err)
	}
	return st
}

// events reads every stored event (at most store.MaxLimit), newest first.
func (d *daemon) events() []event.Event {
	d.t.Helper()
	st := d.openStore()
	defer st.Close()
	evs, err := st.Events(context.Background(), store.Query{Limit: store.MaxLimit})
	if err != nil {
		d.t.Fatal(err)
	}
	return evs
}

// count returns how many events are stored.
func (d *daemon) count() int {
	d.t.Helper()
	st := d.openStore()
	defer st.Close()
	n, err := st.Count(context.Background())
	if err != nil {
		d.t.Fatal(err)
	}
	return int(n)
}

// jsonLog reads every line of the daemon's JSON log.
func (d *daemon) jsonLog() []map[string]any {
	d.t.Helper()
	return readJSONLines(d.t, filepath.Join(d.dataDir, "sentrypeer_json.log"))
}

func readJSONLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("JSON log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// run runs a peer tool with a time limit and returns its combined output.
func run(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.Dir = t.TempDir()
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.String(), err
}

// sipp sends n calls of a scenario to d at rate calls/s over transport
// ("u1" for UDP, "t1" for TCP) and fails the test unless sipp reports
// success.
func sipp(t *testing.T, d *daemon, scenario, transport string, n, rate int) {
	t.Helper()
	bin := requirePeer(t, "sipp")
	sf, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, 2*time.Minute, bin, "-sf", sf, d.addr,
		"-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t)), "-t", transport,
		"-m", fmt.Sprint(n), "-r", fmt.Sprint(rate), "-nostdin", "-timeout", "60s")
	if err != nil {
		t.Fatalf("sipp %s: %v\n%s", scenario, err, tail(out, 40))
	}
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// waitFor polls cond until it is true or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
