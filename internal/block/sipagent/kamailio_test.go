package sipagent

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// inCI: a missing kamailio or sipp fails the test in CI instead of
// skipping it.
var inCI = os.Getenv("CI") == "true"

func lookPath(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		why := fmt.Sprintf("%s not found (apt-get install -y --no-install-recommends %s, or .ci/install-peers)", name, pkg)
		if inCI {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	return p
}

// freePort returns a UDP port on ip that was free a moment ago.
func freePort(t *testing.T, ip string) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// syncBuffer is a bytes.Buffer for a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a long-lived process in its own process group and stops it
// (SIGTERM to its PID, then SIGKILL to its group) when the test ends.
func start(t *testing.T, dir, name string, args ...string) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = out, out, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-exited
		}
		syscall.Kill(-pid, syscall.SIGKILL) // children left in the group, if any
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), out)
		}
	})
	return out
}

// waitOptions polls addr with OPTIONS until it answers 200.
func waitOptions(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 4096)
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		msg := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKw%d\r\nFrom: <sip:t@%s>;tag=w\r\nTo: <sip:%s>\r\nCall-ID: wait-%d\r\nCSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			addr, c.LocalAddr(), i, c.LocalAddr(), addr, i, i+1)
		c.Write([]byte(msg))
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := c.Read(buf); err == nil {
			var m sip.Message
			sip.Parse(string(buf[:n]), &m)
			if m.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s did not answer OPTIONS", addr)
}

// TestKamailio runs Debian's kamailio with testdata/kamailio.cfg in front
// of the agent, a sipp UAS at the agent's destination, and sipp callers:
// a blocked number or caller gets the reject code, a clean call reaches
// the UAS and gets 200.
func TestKamailio(t *testing.T) {
	if testing.Short() && !inCI {
		t.Skip("runs kamailio and sipp; skipped with -short")
	}
	kamailio := lookPath(t, "kamailio", "kamailio")
	sipp := lookPath(t, "sipp", "sip-tester")
	dir := t.TempDir()

	// The agent, on a socket kept open across the subtests, which swap
	// agents with different configs.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	agentAddr := pc.LocalAddr().String()
	kamAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t, "127.0.0.1"))
	uasPort := freePort(t, "127.0.0.1")

	cfg, err := os.ReadFile("testdata/kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.ReplaceAll(cfg, []byte("127.0.0.1:5080"), []byte(kamAddr))
	cfg = bytes.ReplaceAll(cfg, []byte("sip:127.0.0.1:5072"), []byte("sip:"+agentAddr))
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	rundir := filepath.Join(dir, "run")
	for _, err := range []error{os.WriteFile(cfgPath, cfg, 0o644), os.Mkdir(rundir, 0o755)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Callers: the strict scenarios, and one expecting 404 made from the
	// 608 one.
	for _, f := range []string{"caller_expect_200.xml", "caller_expect_608.xml", "uas.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
		if f == "caller_expect_608.xml" {
			b = bytes.ReplaceAll(b, []byte(`response="608"`), []byte(`response="404"`))
			os.WriteFile(filepath.Join(dir, "caller_expect_404.xml"), b, 0o644)
		}
	}

	set := newFakeSet("+4490012345", "127.0.0.2")
	serve := func(t *testing.T, cfg Config) *Agent {
		cfg.Destination = fmt.Sprintf("127.0.0.1:%d", uasPort)
		a := newTestAgent(t, cfg, set)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- a.Serve(ctx, pc) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
		return a
	}

	start(t, dir, kamailio, "-f", cfgPath, "-DD", "-E", "-m", "256", "-M", "8", "-Y", rundir, "-P", filepath.Join(dir, "kamailio.pid"))
	waitOptions(t, kamAddr) // kamailio answers OPTIONS without a user itself
	start(t, dir, sipp, "-sf", filepath.Join(dir, "uas.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(uasPort), "-nostdin")

	caller := func(t *testing.T, scenario, number, ip string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, sipp, kamAddr, "-sf", filepath.Join(dir, scenario), "-s", number,
			"-i", ip, "-p", fmt.Sprint(freePort(t, ip)), "-m", "1", "-timeout", "10", "-timeout_error", "-nostdin")
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sipp %s -s %s from %s: %v\n%s", scenario, number, ip, err, tail(string(out), 3000))
		}
	}

	t.Run("bad number 608", func(t *testing.T) {
		a := serve(t, Config{Reject: 608})
		caller(t, "caller_expect_608.xml", "+4490012345", "127.0.0.1")
		if s := a.Stats(); s.RejectedNumber != 1 || s.Redirects != 0 {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("bad caller 404", func(t *testing.T) {
		a := serve(t, Config{})
		caller(t, "caller_expect_404.xml", "15551234", "127.0.0.2")
		if s := a.Stats(); s.RejectedCaller != 1 {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("clean call reaches UAS", func(t *testing.T) {
		a := serve(t, Config{})
		caller(t, "caller_expect_200.xml", "15551234", "127.0.0.1")
		if s := a.Stats(); s.Redirects != 1 || s.RejectedCaller+s.RejectedNumber != 0 {
			t.Errorf("stats %+v", s)
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
