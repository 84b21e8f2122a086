package bgp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// bird is a BIRD 2 daemon run from testdata/bird.conf: it listens on
// 127.0.0.1:1790 as AS 65001 and takes routes from 127.0.0.2 (AS 65002)
// that carry (65535,666).
type bird struct {
	t    *testing.T
	dir  string
	sock string
	mu   sync.Mutex
	cmd  *exec.Cmd
	out  bytes.Buffer
}

// needBird returns the path of bird, skipping the test when it is
// missing, or failing it in CI (CI=true).
func needBird(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("real BGP peer: skipped with -short")
	}
	for _, bin := range []string{"bird", "birdc"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing (apt-get install bird2; .ci/install-peers): %v", bin, err)
			}
			t.Skipf("%s missing (apt-get install bird2): %v", bin, err)
		}
	}
}

// startBird runs BIRD with testdata/bird.conf, its lines edited by
// edit (if not nil).
func startBird(t *testing.T, edit func(string) string) *bird {
	t.Helper()
	dir := t.TempDir()
	conf, err := os.ReadFile("testdata/bird.conf")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		conf = []byte(edit(string(conf)))
	}
	if err := os.WriteFile(filepath.Join(dir, "bird.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	b := &bird{t: t, dir: dir, sock: filepath.Join(dir, "bird.ctl")}
	b.start()
	t.Cleanup(func() {
		b.stop()
		if t.Failed() {
			out := b.output()
			if len(out) > 8<<10 {
				out = "...\n" + out[len(out)-8<<10:]
			}
			t.Logf("bird output (end):\n%s", out)
		}
	})
	return b
}

func (b *bird) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (b *bird) start() {
	b.t.Helper()
	cmd := exec.Command("bird", "-f", "-c", filepath.Join(b.dir, "bird.conf"), "-s", b.sock, "-P", filepath.Join(b.dir, "bird.pid"))
	w := lockedWriter{&b.mu, &b.out}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("starting bird: %v", err)
	}
	b.mu.Lock()
	b.cmd = cmd
	b.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := b.birdc("show", "status"); err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("bird did not come up:\n%s", b.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills bird by its PID and waits for it.
func (b *bird) stop() {
	b.mu.Lock()
	cmd := b.cmd
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func (b *bird) birdc(args ...string) (string, error) {
	out, err := exec.Command("birdc", append([]string{"-s", b.sock}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("birdc %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// routes parses `show route all` into each route's lines.
func (b *bird) routes() (map[netip.Prefix]string, error) {
	out, err := b.birdc("show", "route", "all")
	if err != nil {
		return nil, err
	}
	rs := make(map[netip.Prefix]string)
	var cur netip.Prefix
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			f := strings.Fields(line)
			if p, err := netip.ParsePrefix(f[0]); err == nil {
				cur = p
				rs[cur] = line + "\n"
			} else {
				cur = netip.Prefix{}
			}
			continue
		}
		if cur.IsValid() {
			rs[cur] += line + "\n"
		}
	}
	return rs, nil
}

var countRE = regexp.MustCompile(`(\d+) of \d+ routes for \d+ networks in table `)

// count is the number of routes BIRD imported, both tables.
func (b *bird) count() (int, error) {
	out, err := b.birdc("show", "route", "count")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range countRE.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n, nil
}

// waitFor polls f every 10 ms until it returns nil or d passes; it returns
// how long it took.
func waitFor(t *testing.T, d time.Duration, what string, f func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := f()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v: %v", what, d, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ipDecision(s string, o decision.Origin) decision.Decision {
	a := netip.MustParseAddr(s)
	return decision.Decision{Value: a.String(), Kind: decision.IP, Prefix: netip.PrefixFrom(a, a.BitLen()),
		Origin: o, Reporters: 1, Since: time.Now(), Until: time.Now().Add(time.Hour)}
}

func speaker(t *testing.T, ctx context.Context, password string) *Blocker {
	t.Helper()
	b, err := New(Config{
		ASN:      65002,
		RouterID: netip.MustParseAddr("127.0.0.2"),
		Neighbors: []Neighbor{{
			Addr: netip.MustParseAddr("127.0.0.1"), Port: 1790, ASN: 65001,
			Multihop: 2, Local: netip.MustParseAddr("127.0.0.2"), Password: password,
		}},
		ConnectRetry: 2 * time.Second,
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- b.Serve(ctx) }()
	t.Cleanup(func() {
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return b
}

func established(b *Blocker) error {
	s := b.Status(context.Background())
	if len(s.Neighbors) != 1 || s.Neighbors[0].State != "established" {
		return fmt.Errorf("status %+v", s)
	}
	return nil
}

// hasRoute checks that BIRD holds p as a blackhole with (65535,666) and
// next hop nh.
func hasRoute(b *bird, p netip.Prefix, nh string) error {
	rs, err := b.routes()
	if err != nil {
		return err
	}
	r, ok := rs[p]
	if !ok {
		return fmt.Errorf("%s not in BIRD", p)
	}
	for _, want := range []string{"(65535,666)", "(65535,65281)", "BGP.next_hop: " + nh, "blackhole"} {
		if !strings.Contains(r, want) {
			return fmt.Errorf("%s lacks %q:\n%s", p, want, r)
		}
	}
	return nil
}

func lacksRoute(b *bird, p netip.Prefix) error {
	rs, err := b.routes()
	if err != nil {
		return err
	}
	if r, ok := rs[p]; ok {
		return fmt.Errorf("%s still in BIRD:\n%s", p, r)
	}
	return nil
}

func TestBird(t *testing.T) {
	needBird(t)
	br := startBird(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now()
	sp := speaker(t, ctx, "")
	t.Cleanup(cancel) // before Serve's check: runs first

	v4 := ipDecision("203.0.113.7", decision.Local)
	v6 := ipDecision("2001:db8::7", decision.Peers)
	netD := decision.Decision{Value: "198.51.100.0/24", Kind: decision.Net, Prefix: netip.MustParsePrefix("198.51.100.0/24"),
		Origin: decision.Manual, Until: time.Now().Add(time.Hour)}
	num := decision.Decision{Value: "+442079460000", Kind: decision.Number, Origin: decision.Local}
	p4, p6, pn := v4.Prefix, v6.Prefix, netD.Prefix

	waitFor(t, 30*time.Second, "session established", func() error { return established(sp) })
	t.Logf("session established %v after New", time.Since(start).Round(time.Millisecond))

	if err := sp.Sync(ctx, []decision.Decision{v4, v6, netD, num}); err != nil {
		t.Fatal(err)
	}
	d := waitFor(t, time.Second, "/32 after Sync", func() error { return hasRoute(br, p4, "192.0.2.1") })
	waitFor(t, time.Second, "/128 after Sync", func() error { return hasRoute(br, p6, "100::1") })
	waitFor(t, time.Second, "/24 after Sync", func() error { return hasRoute(br, pn, "192.0.2.1") })
	t.Logf("routes in BIRD %v after Sync", d.Round(time.Millisecond))
	if got := sp.Held(); got != 3 {
		t.Errorf("Held = %d, want 3", got)
	}

	if err := sp.Apply(ctx, []decision.Change{{Op: decision.Removed, Decision: v4}}); err != nil {
		t.Fatal(err)
	}
	d = waitFor(t, time.Second, "/32 withdrawn after Removed", func() error { return lacksRoute(br, p4) })
	t.Logf("/32 withdrawn %v after Apply", d.Round(time.Millisecond))
	if err := hasRoute(br, p6, "100::1"); err != nil {
		t.Errorf("after removing the /32: %v", err)
	}
	if err := sp.Apply(ctx, []decision.Change{{Op: decision.Added, Decision: v4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "/32 after Added", func() error { return hasRoute(br, p4, "192.0.2.1") })

	// Sync converges: the network goes, the rest stays.
	if err := sp.Sync(ctx, []decision.Decision{v4, v6}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "/24 withdrawn after Sync", func() error { return lacksRoute(br, pn) })

	// A neighbour that restarts gets every route again.
	br.stop()
	restart := time.Now()
	br.start()
	waitFor(t, 30*time.Second, "/32 back after BIRD restart", func() error { return hasRoute(br, p4, "192.0.2.1") })
	waitFor(t, time.Second, "/128 back after BIRD restart", func() error { return hasRoute(br, p6, "100::1") })
	t.Logf("routes back %v after BIRD restart", time.Since(restart).Round(time.Millisecond))
	s := sp.Status(ctx)
	t.Logf("status %+v", s)
	if s.Announced != 2 || !s.Running || s.Neighbors[0].Advertised != 2 {
		t.Errorf("status %+v, want 2 announced and advertised", s)
	}

	t.Run("10000", func(t *testing.T) {
		ds := make([]decision.Decision, 0, 10000)
		for i := range 10000 {
			ds = append(ds, ipDecision(netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}).String(), decision.Local))
		}
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		if err := sp.Sync(ctx, ds); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		d := waitFor(t, 60*time.Second, "10,000 routes in BIRD", func() error {
			n, err := br.count()
			if err == nil && n != 10000 {
				err = fmt.Errorf("%d routes", n)
			}
			return err
		})
		runtime.GC()
		runtime.ReadMemStats(&m1)
		t.Logf("10,000 routes: Sync returned in %v, all in BIRD after %v; heap %+.1f MiB (%.1f MiB in use), %.1f MiB allocated",
			took.Round(time.Millisecond), d.Round(time.Millisecond),
			float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/(1<<20), float64(m1.HeapAlloc)/(1<<20),
			float64(m1.TotalAlloc-m0.TotalAlloc)/(1<<20))
		if err := sp.Sync(ctx, ds[:0]); err != nil {
			t.Fatal(err)
		}
		d = waitFor(t, 60*time.Second, "10,000 routes withdrawn", func() error {
			n, err := br.count()
			if err == nil && n != 0 {
				err = fmt.Errorf("%d routes", n)
			}
			return err
		})
		t.Logf("10,000 routes withdrawn after %v", d.Round(time.Millisecond))
	})
}

// TestBirdMD5 runs the session with a TCP MD5 signature (RFC 2385).
func TestBirdMD5(t *testing.T) {
	needBird(t)
	br := startBird(t, func(conf string) string {
		return strings.Replace(conf, "hold time 9;", "hold time 9;\n  password \"s3cret\";", 1)
	})
	// A wrong key: BIRD drops the segments, no session.
	wctx, wcancel := context.WithCancel(t.Context())
	wrong := speaker(t, wctx, "wrong")
	time.Sleep(4 * time.Second) // the first dial comes after 1.5-2 s
	if err := established(wrong); err == nil {
		t.Fatal("session established with the wrong MD5 key")
	}
	wcancel()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sp := speaker(t, ctx, "s3cret")
	t.Cleanup(cancel)
	v4 := ipDecision("203.0.113.8", decision.Local)
	if err := sp.Sync(ctx, []decision.Decision{v4}); err != nil {
		t.Fatal(err)
	}
	d := waitFor(t, 30*time.Second, "/32 over an MD5 session", func() error { return hasRoute(br, v4.Prefix, "192.0.2.1") })
	t.Logf("route in BIRD over MD5 %v after New", d.Round(time.Millisecond))
	if err := established(sp); err != nil {
		t.Fatal(err)
	}
	out, err := br.birdc("show", "protocols", "all", "hp")
	if err != nil || !strings.Contains(out, "Established") {
		t.Fatalf("bird: %v\n%s", err, out)
	}
}
