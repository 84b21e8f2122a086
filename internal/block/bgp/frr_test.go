package bgp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

const frrBgpd = "/usr/lib/frr/bgpd"

// startFRR runs FRR's bgpd from testdata/frr-bgpd.conf, as user frr (it
// refuses root), without zebra, passive on 127.0.0.1:1791. It returns
// the vty socket directory.
func startFRR(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("real BGP peer: skipped with -short")
	}
	for _, bin := range []string{frrBgpd, "vtysh"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing (apt-get install frr; .ci/install-peers): %v", bin, err)
			}
			t.Skipf("%s missing (apt-get install frr): %v", bin, err)
		}
	}
	u, err := user.Lookup("frr")
	if err != nil {
		t.Skipf("no user frr: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// bgpd drops to frr: the directory must be reachable by it, which
	// t.TempDir's (0700 under a 0700 parent) is not.
	dir, err := os.MkdirTemp("", "sentrypeer-frr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf, err := os.ReadFile("testdata/frr-bgpd.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bgpd.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(frrBgpd, "-f", filepath.Join(dir, "bgpd.conf"), "-i", filepath.Join(dir, "bgpd.pid"),
		"--vty_socket", dir, "-u", "frr", "-g", "frr", "-Z", "-p", "1791", "-l", "127.0.0.1", "-A", "127.0.0.1", "-P", "0")
	w := lockedWriter{new(sync.Mutex), &out}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting bgpd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			w.mu.Lock()
			t.Logf("bgpd output:\n%s", out.String())
			w.mu.Unlock()
		}
	})
	waitFor(t, 10*time.Second, "bgpd up", func() error { _, err := vtysh(dir, "show bgp summary"); return err })
	return dir
}

func vtysh(dir, command string) (string, error) {
	out, err := exec.Command("vtysh", "--vty_socket", dir, "-d", "bgpd", "-c", command).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("vtysh %q: %w: %s", command, err, out)
	}
	return string(out), nil
}

// frrRoute checks that bgpd holds p with the blackhole communities and
// next hop nh.
func frrRoute(dir string, p netip.Prefix, nh string) error {
	fam := "ipv4"
	if p.Addr().Is6() {
		fam = "ipv6"
	}
	out, err := vtysh(dir, "show bgp "+fam+" unicast "+p.String()+" json")
	if err != nil {
		return err
	}
	var r struct {
		Paths []struct {
			Community struct {
				String string `json:"string"`
			} `json:"community"`
			Nexthops []struct {
				IP string `json:"ip"`
			} `json:"nexthops"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return fmt.Errorf("%s: %w: %s", p, err, out)
	}
	if len(r.Paths) == 0 {
		return fmt.Errorf("%s not in bgpd", p)
	}
	pa := r.Paths[0]
	if !strings.Contains(pa.Community.String, "blackhole") || !strings.Contains(pa.Community.String, "no-export") {
		return fmt.Errorf("%s: communities %q", p, pa.Community.String)
	}
	if len(pa.Nexthops) == 0 || pa.Nexthops[0].IP != nh {
		return fmt.Errorf("%s: next hops %+v, want %s", p, pa.Nexthops, nh)
	}
	return nil
}

func frrNoRoute(dir string, p netip.Prefix) error {
	fam := "ipv4"
	if p.Addr().Is6() {
		fam = "ipv6"
	}
	out, err := vtysh(dir, "show bgp "+fam+" unicast "+p.String()+" json")
	if err != nil {
		return err
	}
	if strings.Contains(out, `"paths"`) {
		return fmt.Errorf("%s still in bgpd: %s", p, out)
	}
	return nil
}

func TestFRR(t *testing.T) {
	dir := startFRR(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	b, err := New(Config{
		ASN: 65002, RouterID: netip.MustParseAddr("127.0.0.2"), ConnectRetry: 2 * time.Second,
		Neighbors: []Neighbor{{Addr: netip.MustParseAddr("127.0.0.1"), Port: 1791, ASN: 65003, Multihop: 2, Local: netip.MustParseAddr("127.0.0.2")}},
	}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- b.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	v4 := ipDecision("203.0.113.7", decision.Local)
	v6 := ipDecision("2001:db8::7", decision.Local)
	waitFor(t, 30*time.Second, "session established", func() error { return established(b) })
	if err := b.Sync(ctx, []decision.Decision{v4, v6}); err != nil {
		t.Fatal(err)
	}
	d := waitFor(t, time.Second, "/32 in bgpd", func() error { return frrRoute(dir, v4.Prefix, "192.0.2.1") })
	waitFor(t, time.Second, "/128 in bgpd", func() error { return frrRoute(dir, v6.Prefix, "100::1") })
	t.Logf("routes in bgpd %v after Sync", d.Round(time.Millisecond))
	if err := b.Apply(ctx, []decision.Change{{Op: decision.Removed, Decision: v6}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "/128 withdrawn", func() error { return frrNoRoute(dir, v6.Prefix) })
	if err := frrRoute(dir, v4.Prefix, "192.0.2.1"); err != nil {
		t.Error(err)
	}
}
