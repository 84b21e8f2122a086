//go:build linux

package crowdsec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// These tests run Debian's crowdsec-firewall-bouncer (nftables mode)
// against the handler. The bouncer runs in a network namespace the test
// makes, so its nftables tables stay there; the handler's listener is
// opened in that namespace's loopback, so the bouncer reaches it at
// 127.0.0.1 while the test process stays in its own namespace.

// Names the bouncer uses with testdata/bouncer.yaml.
const (
	nftTable4, nftSet4 = "crowdsec", "crowdsec-blacklists"
	nftTable6, nftSet6 = "crowdsec6", "crowdsec6-blacklists"
	// updateFrequency is the bouncer's update_frequency in the config.
	updateFrequency = time.Second
	// budget is how long a change may take to reach the bouncer's set.
	budget = updateFrequency + 500*time.Millisecond
)

// inCI: prerequisites missing in CI fail the test instead of skipping it.
var inCI = os.Getenv("CI") == "true"

func requireOrSkip(t *testing.T, ok bool, why string) {
	t.Helper()
	if ok {
		return
	}
	if inCI {
		t.Fatal(why)
	}
	t.Skip(why)
}

func lookPath(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	requireOrSkip(t, err == nil, fmt.Sprintf("%s not found (apt-get install -y --no-install-recommends %s, or .ci/install-peers)", name, pkg))
	return p
}

// lab is one network namespace with the handler listening on its
// loopback and, once started, a bouncer in it.
type lab struct {
	t       *testing.T
	ns      string
	set     *fakeSet
	h       *Handler
	url     string
	key     string
	dir     string
	bouncer *exec.Cmd
	out     *syncBuffer
	exited  chan struct{}
	// pulls counts stream requests; pullTime is the longest one served.
	pulls    atomic.Int64
	pullTime atomic.Int64
	// sent holds every stream body served; query the last stream query.
	sentMu sync.Mutex
	sent   bytes.Buffer
	query  string
}

// tee copies what the handler writes into the lab's record.
type tee struct {
	http.ResponseWriter
	l *lab
}

func (w tee) Write(p []byte) (int, error) {
	w.l.sentMu.Lock()
	w.l.sent.Write(p)
	w.l.sentMu.Unlock()
	return w.ResponseWriter.Write(p)
}

func (l *lab) sentContains(s string) bool {
	l.sentMu.Lock()
	defer l.sentMu.Unlock()
	return bytes.Contains(l.sent.Bytes(), []byte(s))
}

var labSeq atomic.Int64

func newLab(t *testing.T, set *fakeSet) *lab {
	t.Helper()
	if testing.Short() && !inCI {
		t.Skip("runs a real bouncer; skipped with -short")
	}
	requireOrSkip(t, os.Geteuid() == 0, "network namespaces and nftables need root")
	ip := lookPath(t, "ip", "iproute2")
	lookPath(t, "nft", "nftables")
	lookPath(t, "crowdsec-firewall-bouncer", "crowdsec-firewall-bouncer")

	l := &lab{t: t, set: set, dir: t.TempDir(), out: &syncBuffer{}, exited: make(chan struct{})}
	l.ns = fmt.Sprintf("spcs%d-%d", os.Getpid()%100000, labSeq.Add(1))
	if out, err := exec.Command(ip, "netns", "add", l.ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(ip, "netns", "del", l.ns).Run() })
	if out, err := exec.Command(ip, "-n", l.ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v\n%s", err, out)
	}

	keys := filepath.Join(l.dir, KeysFile)
	key, _, err := AddBouncer(keys, "firewall", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l.key = key
	l.h, err = New(Config{Decisions: set, KeysFile: keys})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if r.URL.Path != "/v1/decisions/stream" {
			l.h.ServeHTTP(w, r)
			return
		}
		l.sentMu.Lock()
		l.query = r.URL.RawQuery
		l.sentMu.Unlock()
		l.h.ServeHTTP(tee{w, l}, r)
		{
			l.pulls.Add(1)
			d := int64(time.Since(start))
			for old := l.pullTime.Load(); d > old && !l.pullTime.CompareAndSwap(old, d); old = l.pullTime.Load() {
			}
		}
	}))
	srv.Listener.Close()
	srv.Listener = listenIn(t, l.ns)
	srv.Start()
	t.Cleanup(srv.Close)
	l.url = srv.URL + "/"
	return l
}

// listenIn opens a TCP listener on 127.0.0.1 inside network namespace ns.
// A socket stays in the namespace it was made in, so only the thread that
// makes it enters ns; that thread is never given back to the runtime.
func listenIn(t *testing.T, ns string) net.Listener {
	t.Helper()
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result)
	go func() {
		runtime.LockOSThread() // no Unlock: the thread exits with the goroutine
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ch <- result{ln, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatalf("listening in %s: %v", ns, r.err)
	}
	return r.ln
}

// start runs the bouncer in the namespace with testdata/bouncer.yaml and
// the YAML lines extra appended.
func (l *lab) start(extra ...string) {
	t := l.t
	t.Helper()
	tmpl, err := os.ReadFile("testdata/bouncer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("WORKDIR", l.dir, "http://127.0.0.1:8080/", l.url,
		"csb-test-key-0123456789abcdef", l.key).Replace(string(tmpl))
	conf = strings.TrimRight(conf, "\n") + "\n" + strings.Join(extra, "\n") + "\n"
	for _, d := range []string{"run", "logs"} {
		os.MkdirAll(filepath.Join(l.dir, d), 0o755)
	}
	path := filepath.Join(l.dir, "crowdsec-firewall-bouncer.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	l.bouncer = exec.Command("ip", "netns", "exec", l.ns, "crowdsec-firewall-bouncer", "-c", path)
	l.bouncer.Stdout, l.bouncer.Stderr = l.out, l.out
	if err := l.bouncer.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.bouncer.Wait(); close(l.exited) }()
	t.Cleanup(l.stop)
}

// stop ends the bouncer by its PID (ip netns exec execs it, so the PID is
// the bouncer's): SIGTERM, which makes it remove its tables, then SIGKILL.
func (l *lab) stop() {
	if l.bouncer == nil || l.bouncer.Process == nil {
		return
	}
	l.bouncer.Process.Signal(syscall.SIGTERM)
	select {
	case <-l.exited:
	case <-time.After(5 * time.Second):
		l.bouncer.Process.Kill()
		<-l.exited
	}
	if l.t.Failed() {
		l.t.Logf("bouncer output:\n%s", l.out.String())
	}
}

// alive fails the test if the bouncer exited (it exits with status 0,
// silently, when its first pull fails).
func (l *lab) alive() {
	l.t.Helper()
	select {
	case <-l.exited:
		l.t.Fatalf("the bouncer exited: %v\n%s", l.bouncer.ProcessState, l.out.String())
	default:
	}
}

// elements returns the elements of one of the bouncer's sets with their
// timeouts; a set that does not exist yet is empty.
func (l *lab) elements(family, table, set string) map[string]time.Duration {
	l.t.Helper()
	out, err := exec.Command("ip", "netns", "exec", l.ns, "nft", "-j", "list", "set", family, table, set).Output()
	if err != nil {
		return nil
	}
	var doc struct {
		Nftables []struct {
			Set *struct {
				Elem []json.RawMessage `json:"elem"`
			} `json:"set"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		l.t.Fatalf("nft -j: %v\n%s", err, out)
	}
	m := map[string]time.Duration{}
	for _, o := range doc.Nftables {
		if o.Set == nil {
			continue
		}
		for _, raw := range o.Set.Elem {
			var plain string
			if json.Unmarshal(raw, &plain) == nil {
				m[plain] = 0
				continue
			}
			var e struct {
				Elem struct {
					Val     json.RawMessage `json:"val"`
					Timeout float64         `json:"timeout"`
				} `json:"elem"`
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				l.t.Fatalf("nft element %s: %v", raw, err)
			}
			var v string
			if json.Unmarshal(e.Elem.Val, &v) != nil {
				// A prefix: {"prefix": {"addr": "...", "len": N}}.
				var p struct {
					Prefix struct {
						Addr string `json:"addr"`
						Len  int    `json:"len"`
					} `json:"prefix"`
				}
				json.Unmarshal(e.Elem.Val, &p)
				v = fmt.Sprintf("%s/%d", p.Prefix.Addr, p.Prefix.Len)
			}
			m[v] = time.Duration(e.Elem.Timeout * float64(time.Second))
		}
	}
	return m
}

func (l *lab) has4(v string) bool { _, ok := l.elements("ip", nftTable4, nftSet4)[v]; return ok }
func (l *lab) has6(v string) bool { _, ok := l.elements("ip6", nftTable6, nftSet6)[v]; return ok }

// wait polls cond every 20 ms until it holds or limit passes, and returns
// how long it took.
func (l *lab) wait(what string, limit time.Duration, cond func() bool) time.Duration {
	l.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			l.alive()
			l.t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestFirewallBouncer drives crowdsec-firewall-bouncer through a block, an
// unblock, IPv6, a batch with a called number, an extension and a range.
func TestFirewallBouncer(t *testing.T) {
	set := newFakeSet()
	l := newLab(t, set)
	l.start()
	// The first (startup) pull makes the tables.
	l.wait("the bouncer's first pull", 5*time.Second, func() bool { return l.pulls.Load() > 0 })
	l.wait("the bouncer's tables", 5*time.Second, func() bool { return l.elements("ip", nftTable4, nftSet4) != nil })
	l.alive()

	t.Run("block reaches the set within update_frequency+0.5s", func(t *testing.T) {
		var took []time.Duration
		for i := range 5 {
			time.Sleep(rand.N(updateFrequency)) // sample every phase of the bouncer's ticker
			v := fmt.Sprintf("192.0.2.%d", 10+i)
			start := time.Now()
			set.put(t, v, decision.Local, start.Add(4*time.Hour))
			l.wait("blocked "+v+" in the set", 5*time.Second, func() bool { return l.has4(v) })
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		t.Logf("decision to nft element, 5 samples: %v (median %v, max %v)", took, took[2], took[4])
		if took[4] > budget {
			t.Errorf("slowest %v, want within %v", took[4], budget)
		}
	})

	t.Run("unblock leaves the set", func(t *testing.T) {
		time.Sleep(rand.N(updateFrequency))
		set.del("192.0.2.10")
		start := time.Now()
		l.wait("192.0.2.10 gone from the set", 5*time.Second, func() bool { return !l.has4("192.0.2.10") })
		took := time.Since(start)
		t.Logf("unblock to element gone: %v", took)
		if took > budget {
			t.Errorf("took %v, want within %v", took, budget)
		}
		if !l.has4("192.0.2.11") {
			t.Error("another address left with it")
		}
	})

	t.Run("IPv6", func(t *testing.T) {
		set.put(t, "2001:db8::55", decision.Peers, time.Now().Add(time.Hour))
		l.wait("2001:db8::55 in the IPv6 set", budget+time.Second, func() bool { return l.has6("2001:db8::55") })
	})

	t.Run("a called number does not poison the batch", func(t *testing.T) {
		set.put(t, "0044123456", decision.Local, time.Now().Add(time.Hour))
		set.put(t, "192.0.2.77", decision.Local, time.Now().Add(time.Hour))
		l.wait("192.0.2.77 in the set", budget+time.Second, func() bool { return l.has4("192.0.2.77") })
		if l.sentContains("0044123456") {
			t.Error("the number was sent to the bouncer")
		}
	})

	t.Run("extension is sent as delete+new and refreshes the timeout", func(t *testing.T) {
		v := "192.0.2.88"
		set.put(t, v, decision.Local, time.Now().Add(time.Hour))
		l.wait(v+" in the set", budget+time.Second, func() bool { return l.has4(v) })
		if to := l.elements("ip", nftTable4, nftSet4)[v]; to > time.Hour || to < 59*time.Minute {
			t.Fatalf("timeout %v, want about 1h", to)
		}
		set.put(t, v, decision.Local, time.Now().Add(3*time.Hour))
		start := time.Now()
		l.wait(v+" with a 3h timeout", budget+time.Second, func() bool {
			to, ok := l.elements("ip", nftTable4, nftSet4)[v]
			return ok && to > 2*time.Hour+59*time.Minute
		})
		t.Logf("extension to refreshed timeout: %v", time.Since(start))
	})

	t.Run("range", func(t *testing.T) {
		set.put(t, "198.51.100.0/24", decision.Manual, time.Now().Add(time.Hour))
		var got string
		l.wait("the range's element", budget+time.Second, func() bool {
			for v := range l.elements("ip", nftTable4, nftSet4) {
				if strings.HasPrefix(v, "198.51.100.") {
					got = v
					return true
				}
			}
			return false
		})
		// crowdsec-firewall-bouncer 0.0.25's nftables sets have no
		// interval flag: a range becomes its first address only.
		t.Logf("Range 198.51.100.0/24 became nft element %q", got)
	})
	l.alive()
	if t.Failed() {
		out, _ := exec.Command("ip", "netns", "exec", l.ns, "nft", "list", "ruleset").CombinedOutput()
		t.Logf("ruleset:\n%s", out)
	}
}

// TestFirewallBouncerFilters checks that the bouncer's own origins and
// scopes settings reach the handler as LAPI filters.
func TestFirewallBouncerFilters(t *testing.T) {
	set := newFakeSet()
	until := time.Now().Add(time.Hour)
	set.put(t, "192.0.2.1", decision.Manual, until)
	set.put(t, "192.0.2.2", decision.Local, until)
	set.put(t, "192.0.2.3", decision.Peers, until)
	set.put(t, "198.51.100.0/24", decision.Manual, until)
	l := newLab(t, set)
	l.start("origins:", "  - manual", "  - local", "scopes:", "  - ip")
	l.wait("192.0.2.1 and .2 in the set", 5*time.Second, func() bool { return l.has4("192.0.2.1") && l.has4("192.0.2.2") })
	set.put(t, "192.0.2.4", decision.Manual, until)
	l.wait("192.0.2.4 in the set", budget+time.Second, func() bool { return l.has4("192.0.2.4") })
	got := l.elements("ip", nftTable4, nftSet4)
	if _, ok := got["192.0.2.3"]; ok || len(got) != 3 {
		t.Errorf("set holds %v, want 192.0.2.1, .2 and .4: no peers' decision, no range", got)
	}
	l.sentMu.Lock()
	t.Logf("the bouncer pulls /v1/decisions/stream?%s", l.query)
	l.sentMu.Unlock()
	if !l.sentContains(`"origin":"manual"`) || l.sentContains(`"origin":"peers"`) || l.sentContains(`"scope":"Range"`) {
		t.Error("the filters did not apply to what was sent")
	}
	l.alive()
}

// TestFirewallBouncerStartup10k times 10,000 decisions served at startup,
// from the bouncer's start to all of them in its set.
func TestFirewallBouncerStartup10k(t *testing.T) {
	set := newFakeSet()
	until := time.Now().Add(4 * time.Hour)
	for i := range 10_000 {
		set.put(t, fmt.Sprintf("10.%d.%d.%d", 1+i/65536, i/256%256, i%256), decision.Peers, until)
	}
	l := newLab(t, set)
	start := time.Now()
	l.start()
	var first time.Duration
	l.wait("the startup pull", 10*time.Second, func() bool {
		if l.pulls.Load() == 0 {
			return false
		}
		first = time.Since(start)
		return true
	})
	l.wait("10,000 elements in the set", 60*time.Second, func() bool { return len(l.elements("ip", nftTable4, nftSet4)) == 10_000 })
	t.Logf("10,000 decisions at startup: first pull %v after start (served in %v), all in the set %v after start",
		first.Round(time.Millisecond), time.Duration(l.pullTime.Load()).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	l.alive()
}

// syncBuffer is a bytes.Buffer safe for the bouncer's two output streams.
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
