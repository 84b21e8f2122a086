package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// frrBgpd is Debian's FRR BGP daemon (package frr); it is not on PATH.
const frrBgpd = "/usr/lib/frr/bgpd"

// TestBGPFRR is TestBGPBird with Debian's FRR bgpd as the neighbour: the
// real daemon announces a probe's source as a /32 with BLACKHOLE
// (65535:666) and next hop 192.0.2.1 within 1 s, and a /128 with next hop
// 100::1 over the same IPv4 session; after bgpd restarts every route is
// back; an unblock withdraws them. bgpd runs as user frr (it refuses
// root), without zebra (nothing reaches the kernel), with its own
// configuration, pid file and vty socket in a folder the test owns, on
// the loopback of the daemon's namespace (bgpd 127.0.0.1, the daemon
// 127.0.0.2); the attacker probes over a veth.
func TestBGPFRR(t *testing.T) {
	requireFull(t, "the BGP speaker")
	bgpd := requirePeer(t, frrBgpd)
	vtyshBin := requirePeer(t, "vtysh")
	l := newLab(t, 2)
	frr, err := user.Lookup("frr")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no user frr (the frr package makes it): %v", err)
		}
		t.Skipf("no user frr (apt-get install frr): %v", err)
	}
	uid, _ := strconv.Atoi(frr.Uid)
	gid, _ := strconv.Atoi(frr.Gid)
	for i := range 2 {
		l.run("ip", "-n", l.nodes[i], "addr", "add", "fd77::"+string(rune('1'+i))+"/64", "dev", "eth0", "nodad")
	}

	// bgpd drops to frr before it writes its pid file and vty socket, so
	// its folder must be frr's: t.TempDir's parent is root's, mode 0700.
	fdir, err := os.MkdirTemp("", "sentrypeer-frr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(fdir) })
	conf, err := os.ReadFile("../../internal/block/bgp/testdata/frr.conf")
	if err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(fdir, "frr.conf")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(fdir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(fdir, uid, gid); err != nil {
		t.Fatal(err)
	}
	var query time.Duration // the last vtysh call's: the resolution of every figure below
	vtysh := func(command string) (string, error) {
		start := time.Now()
		out, err := exec.Command(vtyshBin, "--vty_socket", fdir, "-d", "bgpd", "-c", command).CombinedOutput()
		query = time.Since(start)
		if err != nil {
			return string(out), fmt.Errorf("vtysh -c %q: %w: %s", command, err, out)
		}
		return string(out), nil
	}

	startFRR := func() func() {
		os.Remove(filepath.Join(fdir, "bgpd.vty"))
		cmd := l.cmd(0, bgpd, "-f", confPath, "-i", filepath.Join(fdir, "bgpd.pid"), "--vty_socket", fdir,
			"-u", "frr", "-g", "frr", "-Z", "-l", "127.0.0.1", "-p", "179", "-P", "0")
		peer := startPeer(t, "bgpd", cmd)
		waitUntil(t, "bgpd to answer vtysh", 10*time.Second, func() bool {
			select {
			case <-peer.exited:
				t.Fatalf("bgpd exited at start:\n%s", peer.out.String())
			default:
			}
			_, err := vtysh("show bgp summary")
			return err == nil
		})
		return peer.stop
	}
	stopFRR := startFRR()

	// route reports whether bgpd holds prefix as a valid, best route with
	// the BLACKHOLE community and next hop nh; why not, if it does not.
	route := func(prefix, nh string) (bool, string) {
		fam := "ipv4"
		if strings.Contains(prefix, ":") {
			fam = "ipv6"
		}
		out, err := vtysh("show bgp " + fam + " unicast " + prefix + " json")
		if err != nil {
			return false, err.Error()
		}
		var r struct {
			Paths []struct {
				Valid     bool                   `json:"valid"`
				Bestpath  struct{ Overall bool } `json:"bestpath"`
				Community struct {
					String string   `json:"string"`
					List   []string `json:"list"`
				} `json:"community"`
				Nexthops []struct {
					IP string `json:"ip"`
				} `json:"nexthops"`
			} `json:"paths"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			return false, fmt.Sprintf("%v: %s", err, out)
		}
		if len(r.Paths) == 0 {
			return false, "not in bgpd: " + out
		}
		p := r.Paths[0]
		switch {
		case !p.Valid || !p.Bestpath.Overall:
			return false, "not valid and best: " + out
		case !slices.Contains(p.Community.List, "blackhole"):
			return false, fmt.Sprintf("communities %q, want blackhole (65535:666)", p.Community.String)
		case len(p.Nexthops) == 0 || p.Nexthops[0].IP != nh:
			return false, fmt.Sprintf("next hops %+v, want %s", p.Nexthops, nh)
		}
		return true, ""
	}
	// waitRoute waits until prefix is in bgpd as route says, and says
	// what was wrong with it last if it is not within limit.
	waitRoute := func(prefix, nh string, limit time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			ok, why := route(prefix, nh)
			if ok {
				return time.Since(start)
			}
			if time.Since(start) > limit {
				t.Fatalf("%s not in bgpd as a blackhole route with next hop %s within %v: %s", prefix, nh, limit, why)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	d := l.start(0, t.TempDir(), "--no-share", "--sip-listen", "[fd77::1]:5060", "--bgp-asn", "65002", "--bgp-router-id", "127.0.0.2",
		"--bgp-neighbor", "127.0.0.1,65001,multihop=2,local=127.0.0.2")
	waitUntil(t, "the BGP session to be established", 20*time.Second, func() bool {
		var s struct{ Neighbors []struct{ State string } }
		labJSON(t, l, 0, "/api/v1/bgp", &s)
		return len(s.Neighbors) == 1 && s.Neighbors[0].State == "established"
	})

	v4, v6 := l.addr(1), "fd77::2"
	routes := []struct{ from, to, prefix, nh string }{
		{v4, l.addr(0) + ":5060", v4 + "/32", "192.0.2.1"},
		{v6, "[fd77::1]:5060", v6 + "/128", "100::1"},
	}
	for _, c := range routes {
		newAttacker(t, l, 1, c.from, c.to).probe()
		took := waitRoute(c.prefix, c.nh, 2*time.Second)
		t.Logf("%s was in bgpd's table (blackhole, next hop %s) %v after its probe (one vtysh query: %v)",
			c.prefix, c.nh, took.Round(time.Millisecond), query.Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("%s reached bgpd after %v, want within 1 s", c.prefix, took)
		}
	}
	// The whole table, as the ipv4/ipv6 listings show it.
	for _, fam := range []string{"ipv4", "ipv6"} {
		out, err := vtysh("show bgp " + fam + " unicast json")
		if err != nil {
			t.Fatal(err)
		}
		var tbl struct {
			Routes map[string]json.RawMessage `json:"routes"`
		}
		if err := json.Unmarshal([]byte(out), &tbl); err != nil || len(tbl.Routes) != 1 {
			t.Errorf("show bgp %s unicast: want exactly one route: %v\n%s", fam, err, out)
		}
	}
	if out, _ := l.cmd(0, binary, "bgp").CombinedOutput(); !strings.Contains(string(out), "established") || !strings.Contains(string(out), "2 routes announced") {
		t.Errorf("sentrypeer bgp:\n%s", out)
	}

	// bgpd restarts: every route is back once the session is.
	stopFRR()
	startFRR()
	back := time.Now()
	for _, c := range routes {
		waitRoute(c.prefix, c.nh, 30*time.Second)
	}
	took := time.Since(back)
	t.Logf("after bgpd restarted, both routes were back in %v", took.Round(time.Millisecond))

	// An unblock withdraws.
	for _, c := range routes {
		if out, err := l.cmd(0, binary, "unblock", "--data-dir", d.dataDir, c.from).CombinedOutput(); err != nil {
			t.Fatalf("sentrypeer unblock %s: %v\n%s", c.from, err, out)
		}
		took := waitUntil(t, c.prefix+" withdrawn after the unblock", 2*time.Second, func() bool {
			_, why := route(c.prefix, c.nh)
			return strings.HasPrefix(why, "not in bgpd")
		})
		t.Logf("%s left bgpd's table %v after the unblock", c.prefix, took.Round(time.Millisecond))
	}
}
