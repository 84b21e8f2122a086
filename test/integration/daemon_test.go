package integration

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

const probe = "OPTIONS sip:%d@127.0.0.1 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK%d\r\n" +
	"From: <sip:100@127.0.0.1>;tag=1\r\nTo: <sip:%d@127.0.0.1>\r\n" +
	"Call-ID: %d@it\r\nCSeq: 1 OPTIONS\r\nUser-Agent: it-probe\r\nContent-Length: 0\r\n\r\n"

// sendUDP sends n probes numbered from first, paced so that none is lost
// to the kernel.
func sendUDP(t *testing.T, addr string, first, n int) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := first; i < first+n; i++ {
		fmt.Fprintf(c, probe, i, i, i, i)
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

func TestTLSProbe(t *testing.T) {
	tlsPort := freePort(t)
	d := start(t, "", append(tlsCert(t), "-z", fmt.Sprintf("127.0.0.1:%d", tlsPort))...)
	c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", tlsPort), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, probe, 7, 7, 7, 7)
	fmt.Fprintf(c, probe, 8, 8, 8, 8)
	c.Close()
	waitFor(t, "2 TLS events", 10*time.Second, func() bool { return len(d.jsonLog()) == 2 })
	d.stop()
	evs := d.events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	for _, e := range evs {
		if e.Transport != event.TLS || e.UserAgent != "it-probe" || e.Destination.Port() != uint16(tlsPort) {
			t.Errorf("event %+v", e)
		}
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	d1 := start(t, dir)
	sendUDP(t, d1.addr, 0, 300)
	waitFor(t, "300 JSON lines", 10*time.Second, func() bool { return len(d1.jsonLog()) == 300 })
	d1.stop()
	id1, _ := os.ReadFile(filepath.Join(dir, "node-id"))

	d2 := start(t, dir)
	sendUDP(t, d2.addr, 300, 300)
	waitFor(t, "600 JSON lines", 10*time.Second, func() bool { return len(d2.jsonLog()) == 600 })
	d2.stop()
	id2, _ := os.ReadFile(filepath.Join(dir, "node-id"))

	evs := d2.events()
	if len(evs) != 600 {
		t.Fatalf("%d events after restart, want 600", len(evs))
	}
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.CalledNumber] = true
		if e.NodeID.String() != strings.TrimSpace(string(id1)) {
			t.Fatalf("node id %s, file says %s", e.NodeID, id1)
		}
	}
	if len(seen) != 600 || string(id1) != string(id2) {
		t.Fatalf("%d distinct numbers; node ids %q %q", len(seen), id1, id2)
	}
}

// TestKillNine: after SIGKILL the database is intact and holds every event
// older than the flush interval.
func TestKillNine(t *testing.T) {
	d := start(t, "", "--flush-interval", "50ms")
	sendUDP(t, d.addr, 0, 500)
	waitFor(t, "500 JSON lines", 10*time.Second, func() bool { return len(d.jsonLog()) == 500 })
	time.Sleep(300 * time.Millisecond) // several flush intervals
	d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
	if n := len(d.events()); n != 500 {
		t.Fatalf("%d events after kill -9, want 500", n)
	}
}

// TestTortureMessages: every RFC 4475 torture message, valid or not, is
// recorded and none stops the daemon.
func TestTortureMessages(t *testing.T) {
	files, _ := filepath.Glob("../../internal/sip/testdata/rfc4475/*.dat")
	if len(files) != 49 {
		t.Fatalf("found %d torture messages, want 49", len(files))
	}
	d := start(t, "")
	c, err := net.Dial("udp", d.addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		c.Write(b)
		time.Sleep(2 * time.Millisecond)
	}
	c.Close()
	waitFor(t, "49 JSON lines", 10*time.Second, func() bool { return len(d.jsonLog()) == 49 })
	sendUDP(t, d.addr, 1, 1) // still alive and recording
	waitFor(t, "50 JSON lines", 10*time.Second, func() bool { return len(d.jsonLog()) == 50 })
	d.stop()
	evs := d.events()
	if len(evs) != 50 {
		t.Fatalf("%d events, want 50", len(evs))
	}
	withErr := countWhere(evs, func(e event.Event) bool { return e.ParseError != "" })
	t.Logf("%d of 49 torture messages recorded with a parse error", withErr)
}

func TestBadSettingsStopStartup(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"bad listen", []string{"--sip-listen", "nowhere"}, nil, "--sip-listen"},
		{"bad bool env", nil, []string{"SENTRYPEER_SIP_RESPONSIVE=yes"}, "SENTRYPEER_SIP_RESPONSIVE"},
		{"cert without key", []string{"-t", "/nonexistent.pem"}, nil, "-k"},
		{"port in use", nil, nil, "address already in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--data-dir", t.TempDir()}, tt.args...)
			if tt.name == "port in use" {
				ln, err := net.ListenPacket("udp4", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer ln.Close()
				args = append(args, "--sip-listen", ln.LocalAddr().String())
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tt.env...)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tt.want) {
				t.Fatalf("err %v, output %q, want it to mention %q", err, out, tt.want)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"-V"}} {
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "sentrypeer ") {
			t.Errorf("%v: %q %v", args, out, err)
		}
	}
	out, err := exec.Command(binary, "-h").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SENTRYPEER_DB_FILE") {
		t.Errorf("-h: %q %v", out, err)
	}
}

// TestSIGHUPReopensJSONLog: after logrotate renames the file, SIGHUP makes
// the daemon write to a new one; no line is lost.
func TestSIGHUPReopensJSONLog(t *testing.T) {
	d := start(t, "")
	path := filepath.Join(d.dataDir, "sentrypeer_json.log")
	sendUDP(t, d.addr, 0, 10)
	waitFor(t, "10 lines", 10*time.Second, func() bool { return len(d.jsonLog()) == 10 })
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "new log file", 10*time.Second, func() bool { _, err := os.Stat(path); return err == nil })
	sendUDP(t, d.addr, 10, 5)
	waitFor(t, "5 lines in the new file", 10*time.Second, func() bool { return len(d.jsonLog()) == 5 })
	d.stop()
	if n := len(readJSONLines(t, path+".1")); n != 10 {
		t.Errorf("rotated file has %d lines, want 10", n)
	}
}

// TestSyslogLine: -s sends the original line to a syslog receiver.
func TestSyslogLine(t *testing.T) {
	rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	d := start(t, "", "-s", "--syslog-address", "udp:"+rx.LocalAddr().String())
	sendUDP(t, d.addr, 42, 1)
	rx.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := rx.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	d.stop()
	if !strings.Contains(string(buf[:n]), "Source IP: 127.0.0.1, Method: OPTIONS, Agent: it-probe") {
		t.Fatalf("syslog line %q", buf[:n])
	}
}
