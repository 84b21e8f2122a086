package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIPAgentKamailio puts Debian's kamailio in front of the real
// daemon's SIP agent: a number an attacker called at the honeypot is
// refused at the caller with the agent's reject code; a clean number is
// redirected and reaches a sipp UAS, and the caller gets 200. The agent's
// calls are customers': none of them is recorded as a probe.
func TestSIPAgentKamailio(t *testing.T) {
	kamailio := requirePeer(t, "kamailio")
	sippBin := requirePeer(t, "sipp")
	dir := t.TempDir()
	agent := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	kam := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	uas := freePort(t)
	d := start(t, "", "--sip-agent-listen", agent, "--sip-agent-destination", fmt.Sprintf("127.0.0.1:%d", uas), "--sip-agent-reject", "608")

	// An attacker calls 009725971 at the honeypot: the number becomes a
	// decision.
	sipp(t, d, "invite.xml", "u1", 1, 10)
	waitFor(t, "the called number to become a decision", 5*time.Second, func() bool {
		var page struct{ Decisions []struct{ Value string } }
		getJSON(t, d.api+"/api/v1/decisions?kind=number", &page)
		return len(page.Decisions) == 1 && page.Decisions[0].Value == "009725971"
	})
	waitFor(t, "the probe to be stored", 5*time.Second, func() bool { return d.count() == 1 })
	stored := d.count()

	src := "../../internal/block/sipagent/testdata/"
	cfg, err := os.ReadFile(src + "kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.ReplaceAll(cfg, []byte("127.0.0.1:5080"), []byte(kam))
	cfg = bytes.ReplaceAll(cfg, []byte("sip:127.0.0.1:5072"), []byte("sip:"+agent))
	rundir := filepath.Join(dir, "run")
	os.Mkdir(rundir, 0o755)
	os.WriteFile(filepath.Join(dir, "kamailio.cfg"), cfg, 0o644)
	for _, f := range []string{"caller_expect_200.xml", "caller_expect_608.xml", "uas.xml"} {
		b, err := os.ReadFile(src + f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	background(t, dir, kamailio, "-f", filepath.Join(dir, "kamailio.cfg"), "-DD", "-E", "-m", "256", "-M", "8", "-Y", rundir, "-P", filepath.Join(dir, "kamailio.pid"))
	background(t, dir, sippBin, "-sf", filepath.Join(dir, "uas.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(uas), "-nostdin")

	call := func(scenario, number string) {
		t.Helper()
		var out []byte
		var err error
		// Kamailio takes a moment to listen; the first call may find it
		// not yet there.
		for try := 0; try < 20; try++ {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			cmd := exec.CommandContext(ctx, sippBin, kam, "-sf", filepath.Join(dir, scenario), "-s", number,
				"-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t)), "-m", "1", "-timeout", "5", "-timeout_error", "-nostdin")
			cmd.Dir = dir
			out, err = cmd.CombinedOutput()
			cancel()
			if err == nil {
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatalf("sipp %s -s %s: %v\n%s", scenario, number, err, tail(string(out), 30))
	}
	call("caller_expect_608.xml", "009725971")
	call("caller_expect_200.xml", "15551234")

	// A lite build has no /metrics; the full binary checks it.
	if !liteBinary {
		_, m := get(t, d.api+"/metrics")
		for _, want := range []string{"sentrypeer_sip_agent_rejected_number_total 1", "sentrypeer_sip_agent_redirects_total 1"} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	}
	if n := d.count(); n != stored {
		t.Errorf("%d events after the calls, %d before: a customer's call was recorded as a probe", n, stored)
	}
	if strings.Contains(d.log(), "15551234") {
		t.Error("a customer's called number is in the daemon's log without -d")
	}
}

// background runs a long-lived peer in its own process group and stops it
// by its PID (then its group) when the test ends.
func background(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	var out syncBuffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr, cmd.Dir = &out, &out, dir
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
		syscall.Kill(-pid, syscall.SIGKILL)
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), tail(out.String(), 40))
		}
	})
}
