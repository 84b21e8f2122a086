//go:build !windows && !plan9

package logsink

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// wantSyslogDatagram is what log/syslog sends for testEvent: priority 13
// (LOG_USER|LOG_NOTICE, as the original), a timestamp (RFC 3339 and the host
// name over the network, an RFC 3164 stamp over unix sockets), the tag with
// our pid, and the original's text.
var wantSyslogDatagram = regexp.MustCompile(`^<13>(\S+ \S+|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) sentrypeer\[\d+\]: ` +
	`Source IP: 203\.0\.113\.5, Method: OPTIONS, Agent: friendly-scanner\n$`)

// fakeSyslogd is a syslog server on a unixgram socket or UDP port.
type fakeSyslogd struct {
	t    *testing.T
	conn net.PacketConn
}

func listenSyslogd(t *testing.T, network, address string) *fakeSyslogd {
	t.Helper()
	conn, err := net.ListenPacket(network, address)
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeSyslogd{t: t, conn: conn}
	t.Cleanup(d.stop)
	return d
}

func (d *fakeSyslogd) addr() string { return d.conn.LocalAddr().String() }

// stop closes the socket; for unixgram it also removes the socket file.
func (d *fakeSyslogd) stop() {
	d.conn.Close()
	if a, ok := d.conn.LocalAddr().(*net.UnixAddr); ok {
		os.Remove(a.Name)
	}
}

func (d *fakeSyslogd) read() string {
	d.t.Helper()
	buf := make([]byte, 64<<10)
	d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := d.conn.ReadFrom(buf)
	if err != nil {
		d.t.Fatalf("fake syslogd: %v", err)
	}
	return string(buf[:n])
}

// expectNothing fails if a datagram arrives within a short while.
func (d *fakeSyslogd) expectNothing() {
	d.t.Helper()
	buf := make([]byte, 64<<10)
	d.conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _, err := d.conn.ReadFrom(buf); err == nil {
		d.t.Fatalf("unexpected datagram %q", buf[:n])
	}
}

// syslogRunner runs a Syslog sink and feeds it one event at a time.
type syslogRunner struct {
	t       *testing.T
	s       *Syslog
	events  *event.Queue
	done    chan error
	handled uint64
}

func startSyslog(t *testing.T, ctx context.Context, s *Syslog) *syslogRunner {
	r := &syslogRunner{t: t, s: s, events: event.NewQueue(1), done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx, r.events) }()
	return r
}

// send hands e to Run and waits until it has been sent or dropped.
func (r *syslogRunner) send(e *event.Event) {
	r.t.Helper()
	r.events.Put(e)
	r.handled++
	waitFor(r.t, "event handled", func() bool {
		st := r.s.Stats()
		return st.Sent+st.Dropped == r.handled
	})
}

func (r *syslogRunner) stop() {
	r.t.Helper()
	r.events.Close()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		r.t.Fatal("Run did not return")
	}
}

func TestSyslogSends(t *testing.T) {
	tests := []struct {
		name    string
		network string
		address func(t *testing.T) string
	}{
		{"unixgram", "unixgram", func(t *testing.T) string { return filepath.Join(t.TempDir(), "log.sock") }},
		{"udp", "udp", func(*testing.T) string { return "127.0.0.1:0" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := listenSyslogd(t, tc.network, tc.address(t))
			s, err := OpenSyslog(SyslogConfig{Network: tc.network, Address: d.addr()}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r := startSyslog(t, t.Context(), s)
			r.send(testEvent(1))
			got := d.read()
			if !wantSyslogDatagram.MatchString(got) {
				t.Errorf("datagram %q does not match %v", got, wantSyslogDatagram)
			}
			if m := fail2banRegex.FindStringSubmatch(got); m == nil || m[1] != "203.0.113.5" {
				t.Errorf("fail2ban regex found %q", m)
			}

			evil := testEvent(2)
			evil.UserAgent = "x\nSource IP: 8.8.8.8, Method: INVITE, Agent: y\r\n"
			r.send(evil)
			got = d.read()
			if want := "Source IP: 203.0.113.5, Method: OPTIONS, Agent: x?Source IP: 8.8.8.8, Method: INVITE, Agent: y??\n"; !regexp.MustCompile(`\]: ` + regexp.QuoteMeta(want) + `$`).MatchString(got) {
				t.Errorf("injected datagram %q, want it to end in %q", got, want)
			}
			r.stop()
			if got, want := s.Stats(), (SyslogStats{Sent: 2, Connects: 1}); got != want {
				t.Errorf("Stats = %+v, want %+v", got, want)
			}
		})
	}
}

// TestSyslogSoftStartAndRedial walks the sink through a syslog daemon that
// is missing at start, appears, dies and comes back.
func TestSyslogSoftStartAndRedial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.sock")
	clock := newFakeClock()
	warns := &countingHandler{}
	s, err := openSyslog(SyslogConfig{Network: "unixgram", Address: path}, slog.New(warns), clock.now)
	if err != nil {
		t.Fatalf("missing syslog at start is fatal: %v", err)
	}
	defer s.Close()
	if warns.warns.Load() != 1 {
		t.Errorf("missing syslog at start not logged")
	}
	r := startSyslog(t, t.Context(), s)
	defer r.stop()
	check := func(step string, want SyslogStats) {
		t.Helper()
		if got := s.Stats(); got != want {
			t.Fatalf("%s: Stats = %+v, want %+v", step, got, want)
		}
	}

	r.send(testEvent(1))
	check("no daemon", SyslogStats{Dropped: 1})

	d := listenSyslogd(t, "unixgram", path)
	clock.advance(minRedial - time.Millisecond)
	r.send(testEvent(1))
	check("daemon up, redial not due", SyslogStats{Dropped: 2})
	d.expectNothing()

	clock.advance(time.Millisecond)
	r.send(testEvent(1))
	check("redial due", SyslogStats{Sent: 1, Dropped: 2, Connects: 1})
	if got := d.read(); !wantSyslogDatagram.MatchString(got) {
		t.Errorf("datagram %q", got)
	}

	d.stop()
	r.send(testEvent(1))
	check("daemon died", SyslogStats{Sent: 1, Dropped: 3, Connects: 1})

	// The redial after a write error waits minRedial; failed redials double it.
	clock.advance(minRedial)
	r.send(testEvent(1))
	check("redial fails", SyslogStats{Sent: 1, Dropped: 4, Connects: 1})

	d = listenSyslogd(t, "unixgram", path)
	clock.advance(2*minRedial - time.Millisecond)
	r.send(testEvent(1))
	check("daemon back, doubled backoff not over", SyslogStats{Sent: 1, Dropped: 5, Connects: 1})
	d.expectNothing()

	clock.advance(time.Millisecond)
	r.send(testEvent(1))
	check("back", SyslogStats{Sent: 2, Dropped: 5, Connects: 2})
	if got := d.read(); !wantSyslogDatagram.MatchString(got) {
		t.Errorf("datagram %q", got)
	}
}

func TestOpenSyslog(t *testing.T) {
	invalid := []SyslogConfig{
		{Network: "udp"},
		{Address: "127.0.0.1:514"},
		{Network: "http", Address: "127.0.0.1:514"},
	}
	for _, cfg := range invalid {
		t.Run("invalid "+cfg.Network+" "+cfg.Address, func(t *testing.T) {
			if _, err := OpenSyslog(cfg, testLogger(t)); err == nil {
				t.Error("accepted")
			}
		})
	}
	t.Run("local socket soft-starts", func(t *testing.T) {
		s, err := OpenSyslog(SyslogConfig{}, testLogger(t))
		if err != nil {
			t.Fatalf("OpenSyslog: %v", err)
		}
		defer s.Close()
		t.Logf("connected to a local syslog: %v", s.Stats().Connects == 1)
	})
	t.Run("custom tag", func(t *testing.T) {
		d := listenSyslogd(t, "udp", "127.0.0.1:0")
		s, err := OpenSyslog(SyslogConfig{Network: "udp", Address: d.addr(), Tag: "honeypot"}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r := startSyslog(t, t.Context(), s)
		r.send(testEvent(1))
		r.stop()
		if got := d.read(); !regexp.MustCompile(` honeypot\[\d+\]: Source IP: `).MatchString(got) {
			t.Errorf("datagram %q", got)
		}
	})
}

func TestSyslogCloseAndCancel(t *testing.T) {
	d := listenSyslogd(t, "udp", "127.0.0.1:0")
	s, err := OpenSyslog(SyslogConfig{Network: "udp", Address: d.addr()}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r := startSyslog(t, ctx, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	r.send(testEvent(1))
	if got, want := s.Stats(), (SyslogStats{Dropped: 1, Connects: 1}); got != want {
		t.Errorf("Stats after Close = %+v, want %+v", got, want)
	}
	cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
