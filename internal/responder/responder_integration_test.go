package responder

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sip"
)

// udpServer is a test-only honeypot: it answers every datagram on a
// loopback socket with a Responder and records what it saw.
type udpServer struct {
	r    *Responder
	pc   net.PacketConn
	done chan struct{}

	mu        sync.Mutex
	requests  map[string]int // by method, "+auth" when with Authorization
	proven    int            // requests returning a valid nonce
	guesses   []string       // user:password from svcrack's From tags
	amplified []string       // unproven requests answered with more bytes

	// stop, if not nil, tells when the tool has done all the test needs;
	// stopped is closed then.
	stop    func(m *sip.Message) bool
	stopped chan struct{}
	once    sync.Once
}

func startUDPServer(t *testing.T, stop func(m *sip.Message) bool) *udpServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &udpServer{r: New(Config{}), pc: pc, done: make(chan struct{}), requests: map[string]int{}, stop: stop, stopped: make(chan struct{})}
	go s.serve()
	t.Cleanup(func() {
		pc.Close()
		<-s.done
	})
	return s
}

func (s *udpServer) port() int { return s.pc.LocalAddr().(*net.UDPAddr).Port }

func (s *udpServer) serve() {
	defer close(s.done)
	buf := make([]byte, 65535)
	var m sip.Message
	var out [][]byte
	for {
		n, addr, err := s.pc.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		src := addr.(*net.UDPAddr).AddrPort()
		sip.Parse(string(buf[:n]), &m)
		out = s.r.Answer(&m, src, event.UDP, n, out[:0])

		s.mu.Lock()
		key := m.Method
		if m.Authorization != "" {
			key += "+auth"
		}
		s.requests[key]++
		if m.Authorization != "" {
			s.guesses = append(s.guesses, guess(m.From))
		}
		nonce, ok := digestNonce(m.Authorization)
		proven := ok && s.r.validNonce(nonce, src.Addr().Unmap(), time.Now())
		if proven {
			s.proven++
		}
		if sent := totalLen(out); !proven && sent > n {
			s.amplified = append(s.amplified, fmt.Sprintf("%s: %d bytes in, %d out", m.Method, n, sent))
		}
		s.mu.Unlock()

		for _, b := range out {
			s.pc.WriteTo(b, addr)
		}
		if s.stop != nil && s.stop(&m) {
			s.once.Do(func() { close(s.stopped) })
		}
	}
}

// guess decodes the user:password svcrack hides in its From tag (hex of
// "user:password\x01random").
func guess(from string) string {
	_, tag, _ := strings.Cut(from, ";tag=")
	b, err := hex.DecodeString(tag)
	if err != nil {
		return "?"
	}
	g, _, _ := strings.Cut(string(b), "\x01")
	return g
}

// sipvicious runs one of its tools against s and returns what it printed.
func (s *udpServer) sipvicious(t *testing.T, tool string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (apt-get install sipvicious): %v", tool, err)
		}
		t.Skipf("%s not installed: %v", tool, err)
	}
	// Bind sipvicious to loopback on a free port (it tries the next ones
	// if that is taken meanwhile).
	probe, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	local := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	args = append(args, "-b", "127.0.0.1", "-P", fmt.Sprint(local), "-p", fmt.Sprint(s.port()), "127.0.0.1")
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // sessions in ~/.sipvicious
	var outb strings.Builder
	cmd.Stdout, cmd.Stderr = &outb, &outb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		// Spare the tool's final wait for more answers (10 s for
		// svcrack): once it has all it needs, ^C makes it print its
		// results and exit.
		select {
		case <-s.stopped:
			select {
			case <-time.After(time.Second):
				cmd.Process.Signal(os.Interrupt)
			case <-exited:
			}
		case <-exited:
		}
	}()
	err = cmd.Wait()
	close(exited)
	out := outb.String()
	t.Logf("%s %s: %v, %v\n%s", tool, strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || ctx.Err() != nil {
			t.Fatalf("%s: %v", tool, err)
		}
	}
	return out
}

func (s *udpServer) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.amplified) > 0 {
		t.Errorf("unproven sources got more bytes than they sent: %q", s.amplified)
	}
	if st := s.r.Stats(); st.Unanswerable > 0 {
		t.Errorf("Stats() = %+v: some sipvicious requests were unanswerable", st)
	}
}

// TestSipvicious proves the answers against the scanners attackers use.
func TestSipvicious(t *testing.T) {
	t.Run("svwar lists the extensions", func(t *testing.T) {
		t.Parallel()
		s := startUDPServer(t, nil)
		out := s.sipvicious(t, "svwar", "-e100-105")
		for ext := 100; ext <= 105; ext++ {
			row := regexp.MustCompile(fmt.Sprintf(`\|\s*%d\s*\|\s*reqauth\s*\|`, ext))
			if !row.MatchString(out) {
				t.Errorf("svwar did not list extension %d as requiring authentication", ext)
			}
		}
		if n := strings.Count(out, "reqauth"); n != 6 {
			t.Errorf("svwar listed %d extensions, want 6", n)
		}
		s.check(t)
		s.mu.Lock()
		defer s.mu.Unlock()
		if got := s.requests["REGISTER"]; got < 7 {
			t.Errorf("%d REGISTERs recorded, want at least 7 (baseline and 100..105)", got)
		}
	})
	t.Run("svwar INVITE scan lists the extensions", func(t *testing.T) {
		t.Parallel()
		s := startUDPServer(t, nil)
		out := s.sipvicious(t, "svwar", "-m", "INVITE", "-e100-102")
		for ext := 100; ext <= 102; ext++ {
			if !regexp.MustCompile(fmt.Sprintf(`\|\s*%d\s*\|\s*weird\s*\|`, ext)).MatchString(out) {
				t.Errorf("svwar -m INVITE did not list extension %d", ext)
			}
		}
		s.check(t)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.requests["INVITE"] < 4 || s.requests["ACK"] < 1 {
			t.Errorf("requests %v: want at least 4 INVITEs and ACKs to the final answers", s.requests)
		}
	})
	t.Run("svcrack runs through its passwords", func(t *testing.T) {
		t.Parallel()
		s := startUDPServer(t, func(m *sip.Message) bool { return guess(m.From) == "100:1010" })
		out := s.sipvicious(t, "svcrack", "-u", "100", "-r", "1000-1010")
		if !strings.Contains(out, "found nothing") || strings.Contains(out, "Password") || strings.Contains(out, "The password for") {
			t.Errorf("svcrack claims a password, or did not finish")
		}
		for _, bad := range []string{"unknown response", "User not found", "no server response"} {
			if strings.Contains(out, bad) {
				t.Errorf("svcrack says %q", bad)
			}
		}
		s.check(t)
		s.mu.Lock()
		defer s.mu.Unlock()
		want := []string{"100:100"} // svcrack tries the user name first
		for pw := 1000; pw <= 1010; pw++ {
			want = append(want, fmt.Sprintf("100:%d", pw))
		}
		if got := s.guesses; !slices.Equal(got, want) {
			t.Errorf("svcrack guessed %q, want %q; requests: %v", got, want, s.requests)
		}
		if s.proven != s.requests["REGISTER+auth"] {
			t.Errorf("%d of %d guesses returned a valid nonce of ours", s.proven, s.requests["REGISTER+auth"])
		}
	})
}
