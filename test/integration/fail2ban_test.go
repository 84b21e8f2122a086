package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fail2banConfDir is where Debian's fail2ban package keeps its configuration;
// the test copies it and adds contrib/fail2ban, as an installation would.
const fail2banConfDir = "/etc/fail2ban"

// fail2banTZ is the time zone every fail2ban process of the test runs in. It
// is not UTC, so that a filter or jail that got the JSON log's UTC
// timestamps wrong would see them nine hours off (and, in the jail, older
// than findtime).
const fail2banTZ = "JST-9"

// fail2banZone is [fail2banTZ] for the test's own syslog files.
var fail2banZone = time.FixedZone("JST", 9*3600)

// TestFail2ban runs the real daemon with the JSON log and the syslog line,
// sends probes from several loopback addresses over UDP, TCP and TLS, and
// checks with fail2ban itself that the filters in contrib/fail2ban count
// exactly the probes sent, with the senders' addresses and the right times,
// and that the jails ban the addresses that reached maxretry.
func TestFail2ban(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	regex := requirePeer(t, "fail2ban-regex")
	server := requirePeer(t, "fail2ban-server")
	client := requirePeer(t, "fail2ban-client")
	conf := fail2banConf(t)

	rx := listenSyslog(t)
	tlsPort := freePort(t)
	d := start(t, "", append(tlsCert(t), "-s", "--syslog-address", "udp:"+rx.addr(),
		"-z", fmt.Sprintf("127.0.0.1:%d", tlsPort))...)

	// The jails ban at 5 probes: 127.0.0.5 stays one short.
	sent := []struct {
		from, transport string
		n               int
	}{
		{"127.0.0.2", "UDP", 5},
		{"127.0.0.3", "UDP", 5},
		{"127.0.0.4", "UDP", 5},
		{"127.0.0.5", "UDP", 4},
		{"127.0.0.6", "TCP", 6},
		{"127.0.0.7", "TLS", 5},
	}
	all, streams := map[string]int{}, map[string]int{}
	total := 0
	begin := time.Now().Add(-time.Second).Truncate(time.Second)
	for _, s := range sent {
		switch s.transport {
		case "UDP":
			sendUDPFrom(t, s.from, d.addr, total, s.n)
		case "TCP":
			sendStreamFrom(t, s.from, d.addr, false, total, s.n)
			streams[s.from] = s.n
		case "TLS":
			sendStreamFrom(t, s.from, fmt.Sprintf("127.0.0.1:%d", tlsPort), true, total, s.n)
			streams[s.from] = s.n
		}
		all[s.from] = s.n
		total += s.n
	}
	waitFor(t, fmt.Sprintf("%d JSON lines", total), 10*time.Second, func() bool { return len(d.jsonLog()) == total })
	waitFor(t, fmt.Sprintf("%d syslog lines", total), 10*time.Second, func() bool { return rx.count() == total })
	d.stop()
	rx.close()
	end := time.Now().Add(time.Second)
	if n := d.count(); n != total {
		t.Fatalf("stored %d events, want %d", n, total)
	}
	if err := rx.err(); err != nil {
		t.Fatal(err)
	}

	jsonLog := filepath.Join(d.dataDir, "sentrypeer_json.log")
	filter := func(name string) string { return filepath.Join(conf, "filter.d", name) }
	tests := []struct {
		name, log, filter string
		args              []string
		want              map[string]int // matches per address
		dated             bool
	}{
		// The jail sets logtimezone = UTC; this is fail2ban-regex's equivalent.
		{"json", jsonLog, filter("sentrypeer-json.conf"), []string{"--timezone", "UTC"}, all, true},
		{"json TCP and TLS only", jsonLog, filter("sentrypeer-json.conf") + `[transport="TCP|TLS"]`, []string{"--timezone", "UTC"}, streams, true},
		{"syslog traditional", rx.traditional, filter("sentrypeer.conf"), nil, all, true},
		{"syslog RFC 3339", rx.rfc3339, filter("sentrypeer.conf"), nil, all, true},
		// What the systemd backend hands the filter (the date travels apart).
		{"journal", rx.journal, filter("sentrypeer.conf") + "[logtype=journal]", nil, all, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := fail2banRun(t, regex, append(tc.args, tc.log, tc.filter)...)
			m := regexLinesRe.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no Lines: summary in fail2ban-regex output:\n%s", out)
			}
			lines, _ := strconv.Atoi(m[1])
			matched, _ := strconv.Atoi(m[3])
			missed, _ := strconv.Atoi(m[4])
			want := sumCounts(tc.want)
			if lines != total || matched != want || missed != total-want {
				t.Fatalf("%d lines, %d matched, %d missed; want %d, %d, %d\n%s",
					lines, matched, missed, total, want, total-want, out)
			}

			out = fail2banRun(t, regex, append(append(tc.args, "-o", "row"), tc.log, tc.filter)...)
			got := map[string]int{}
			for _, r := range regexRowRe.FindAllStringSubmatch(out, -1) {
				got[r[1]]++
				if !tc.dated {
					continue
				}
				sec, err := strconv.ParseFloat(r[2], 64)
				if err != nil {
					t.Fatalf("match of %s without a time: %q", r[1], r[0])
				}
				if at := time.Unix(int64(sec), 0); at.Before(begin) || at.After(end) {
					t.Errorf("match of %s at %v, probes were sent from %v to %v", r[1], at, begin, end)
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("matches per address %v, want %v\n%s", got, tc.want, out)
			}
		})
	}

	t.Run("jails", func(t *testing.T) {
		banned := func(want map[string]int) []string {
			var ips []string
			for ip, n := range want {
				if n >= 5 {
					ips = append(ips, ip)
				}
			}
			slices.Sort(ips)
			return ips
		}
		runJails(t, server, client, conf, jsonLog, rx.traditional, map[string][]string{
			"sentrypeer-json": banned(all),
			"sentrypeer":      banned(all),
		})
	})
}

var (
	// regexLinesRe is fail2ban-regex's summary line.
	regexLinesRe = regexp.MustCompile(`(?m)^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed`)
	// regexRowRe is one match printed by fail2ban-regex -o row:
	// ['203.0.113.5',	1714979289.0,	{...}],
	regexRowRe = regexp.MustCompile(`(?m)^\['([^']+)',\s*([0-9.]+|None),`)
	// bannedRe is the last line of fail2ban-client status JAIL.
	bannedRe = regexp.MustCompile(`(?m)Banned IP list:[ \t]*(.*)$`)
	// syslogRe is what log/syslog sends over the network: RFC 3164 with an
	// RFC 3339 timestamp.
	syslogRe = regexp.MustCompile(`^<(\d+)>(\S+) (\S+) ([^\[\s]+)\[(\d+)\]: (.*)\n?$`)
)

// sumCounts adds up the counts in m.
func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// sendStreamFrom sends n probes numbered from first to addr over TCP (or
// TLS), one connection each, from the loopback address from.
func sendStreamFrom(t *testing.T, from, addr string, useTLS bool, first, n int) {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	for i := first; i < first+n; i++ {
		var c net.Conn
		var err error
		if useTLS {
			c, err = tls.DialWithDialer(dialer, "tcp4", addr, &tls.Config{InsecureSkipVerify: true})
		} else {
			c, err = dialer.Dial("tcp4", addr)
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, probe, i, i, i, i)
		c.Close()
	}
}

// fail2banConf copies the installed fail2ban configuration into a temporary
// folder and adds contrib/fail2ban's filters and jails, as the README says to
// install them. The syslog filter needs the installation's common.conf.
func fail2banConf(t *testing.T) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "fail2ban")
	if err := os.CopyFS(conf, os.DirFS(fail2banConfDir)); err != nil {
		t.Fatalf("copying the fail2ban configuration: %v", err)
	}
	for _, f := range []string{"filter.d/sentrypeer.conf", "filter.d/sentrypeer-json.conf", "jail.d/sentrypeer.conf"} {
		b, err := os.ReadFile(filepath.Join("../../contrib/fail2ban", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(conf, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return conf
}

// fail2banRun runs a fail2ban tool in [fail2banTZ] and returns its output.
func fail2banRun(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TZ="+fail2banTZ)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// runJails runs fail2ban-server in the foreground with the jails of
// contrib/fail2ban enabled on the given logs and no ban action, and waits
// until each jail has banned exactly the addresses in want.
func runJails(t *testing.T, server, client, conf, jsonLog, syslogFile string, want map[string][]string) {
	t.Helper()
	run := t.TempDir()
	local := fmt.Sprintf(`[Definition]
logtarget = %[1]s/fail2ban.log
socket    = %[1]s/fail2ban.sock
pidfile   = %[1]s/fail2ban.pid
dbfile    = :memory:
`, run)
	if err := os.WriteFile(filepath.Join(conf, "fail2ban.local"), []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	// The probes come from this host's own (loopback) addresses, which
	// fail2ban ignores by default; no action, so that no firewall changes.
	jails := fmt.Sprintf(`[DEFAULT]
ignoreself = false
ignoreip   =
action     =

[sshd]
enabled = false

[sentrypeer-json]
enabled = true
logpath = %s

[sentrypeer]
enabled = true
logpath = %s
`, jsonLog, syslogFile)
	if err := os.WriteFile(filepath.Join(conf, "jail.d", "zz-test.local"), []byte(jails), 0o644); err != nil {
		t.Fatal(err)
	}
	fail2banRun(t, client, "-c", conf, "-t")

	var out bytes.Buffer
	cmd := exec.Command(server, "-f", "-x", "-c", conf)
	cmd.Env = append(os.Environ(), "TZ="+fail2banTZ)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(run, "fail2ban.log"))
			t.Logf("fail2ban-server output:\n%s\nfail2ban.log:\n%s", out.String(), tail(string(b), 60))
		}
	}()

	status := func(jail string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := exec.CommandContext(ctx, client, "-c", conf, "status", jail)
		b, err := c.CombinedOutput()
		return string(b), err
	}
	for _, jail := range slices.Sorted(maps.Keys(want)) {
		var last string
		deadline := time.Now().Add(30 * time.Second)
		for {
			s, err := status(jail)
			last = s
			if m := bannedRe.FindStringSubmatch(s); err == nil && m != nil {
				got := strings.Fields(m[1])
				slices.Sort(got)
				if slices.Equal(got, want[jail]) {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("jail %s: want banned %v, status:\n%s", jail, want[jail], last)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	fail2banRun(t, client, "-c", conf, "stop")
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("fail2ban-server exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("fail2ban-server did not stop")
	}
}

// syslogFiles is a stand-in for a syslog daemon: it receives the daemon's
// syslog datagrams on 127.0.0.1 and writes each as a line, the way rsyslog
// writes /var/log/syslog, in three files:
//
//   - traditional: "Mmm dd hh:mm:ss host tag[pid]: msg" (rsyslog's
//     RSYSLOG_TraditionalFileFormat, Debian 12's default), in [fail2banZone];
//   - rfc3339: "2006-01-02T15:04:05.000000+09:00 host tag[pid]: msg"
//     (RSYSLOG_FileFormat, the default of newer rsyslog packages);
//   - journal: "host tag[pid]: msg", the line fail2ban's systemd backend
//     builds from a journal entry (it keeps the date apart).
type syslogFiles struct {
	t                             *testing.T
	conn                          net.PacketConn
	traditional, rfc3339, journal string
	done                          chan struct{}

	mu     sync.Mutex
	n      int
	failed error
}

func listenSyslog(t *testing.T) *syslogFiles {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &syslogFiles{t: t, conn: c, done: make(chan struct{}),
		traditional: filepath.Join(dir, "syslog"),
		rfc3339:     filepath.Join(dir, "syslog-rfc3339"),
		journal:     filepath.Join(dir, "journal"),
	}
	var ws []*bufio.Writer
	var fs []*os.File
	for _, p := range []string{s.traditional, s.rfc3339, s.journal} {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
		ws = append(ws, bufio.NewWriter(f))
	}
	go func() {
		defer close(s.done)
		defer func() {
			for i, f := range fs {
				if err := ws[i].Flush(); err != nil {
					s.fail(err)
				}
				f.Close()
			}
		}()
		buf := make([]byte, 64<<10)
		for {
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					s.fail(err)
				}
				return
			}
			m := syslogRe.FindSubmatch(buf[:n])
			if m == nil {
				s.fail(fmt.Errorf("syslog datagram %q: not <PRI>TIMESTAMP HOST TAG[PID]: MSG", buf[:n]))
				continue
			}
			pri, host, tag, pid, msg := string(m[1]), string(m[3]), string(m[4]), string(m[5]), string(m[6])
			at, err := time.Parse(time.RFC3339, string(m[2]))
			if err != nil {
				s.fail(fmt.Errorf("syslog datagram %q: %w", buf[:n], err))
				continue
			}
			if pri != "13" || tag != "sentrypeer" { // user.notice, the original's
				s.fail(fmt.Errorf("syslog datagram %q: want priority 13 and tag sentrypeer", buf[:n]))
			}
			head := fmt.Sprintf("%s %s[%s]: %s\n", host, tag, pid, msg)
			at = at.In(fail2banZone)
			fmt.Fprintf(ws[0], "%s %s", at.Format(time.Stamp), head)
			fmt.Fprintf(ws[1], "%s %s", at.Format("2006-01-02T15:04:05.000000-07:00"), head)
			fmt.Fprint(ws[2], head)
			s.mu.Lock()
			s.n++
			s.mu.Unlock()
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *syslogFiles) addr() string { return s.conn.LocalAddr().String() }

func (s *syslogFiles) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = err
	}
}

// count returns how many datagrams were written as lines.
func (s *syslogFiles) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// err returns the first problem seen: a datagram that was not what
// log/syslog sends, or a write error.
func (s *syslogFiles) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// close stops the receiver and flushes the files. It is idempotent.
func (s *syslogFiles) close() {
	s.conn.Close()
	<-s.done
}
