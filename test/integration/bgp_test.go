package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBGPBird: the real daemon announces a probe's source to Debian's BIRD
// 2 as a /32 with BLACKHOLE (65535:666) and its next hop within 1 s, and a
// /128 too; an unblock withdraws them; after BIRD restarts every route is
// back. The daemon and BIRD share a namespace's loopback (127.0.0.2 and
// 127.0.0.1); the attacker probes over a veth, since BIRD ignores routes
// to 127.0.0.0/8.
func TestBGPBird(t *testing.T) {
	requireFull(t, "the BGP speaker")
	bird := requirePeer(t, "bird")
	birdc := requirePeer(t, "birdc")
	l := newLab(t, 2)
	for i := range 2 {
		l.run("ip", "-n", l.nodes[i], "addr", "add", "fd77::"+string(rune('1'+i))+"/64", "dev", "eth0", "nodad")
	}
	dir := t.TempDir()
	conf, err := os.ReadFile("../../internal/block/bgp/testdata/bird.conf")
	if err != nil {
		t.Fatal(err)
	}
	confPath, sock := filepath.Join(dir, "bird.conf"), filepath.Join(dir, "bird.ctl")
	os.WriteFile(confPath, conf, 0o644)
	startBird := func() func() {
		return startPeer(t, "bird", l.cmd(0, bird, "-f", "-c", confPath, "-s", sock, "-P", filepath.Join(dir, "bird.pid"))).stop
	}
	stopBird := startBird()
	routes := func() string {
		out, _ := exec.Command(birdc, "-s", sock, "show", "route", "all").CombinedOutput()
		return string(out)
	}
	d := l.start(0, dir, "--no-share", "--sip-listen", "[fd77::1]:5060", "--bgp-asn", "65002", "--bgp-router-id", "127.0.0.2",
		"--bgp-neighbor", "127.0.0.1:1790,65001,multihop=2,local=127.0.0.2")
	waitUntil(t, "the BGP session to be established", 20*time.Second, func() bool {
		var s struct{ Neighbors []struct{ State string } }
		labJSON(t, l, 0, "/api/v1/bgp", &s)
		return len(s.Neighbors) == 1 && s.Neighbors[0].State == "established"
	})

	v4, v6 := l.addr(1), "fd77::2"
	for _, c := range []struct{ from, to, route, nh string }{
		{v4, l.addr(0) + ":5060", v4 + "/32", "192.0.2.1"},
		{v6, "[fd77::1]:5060", v6 + "/128", "100::1"},
	} {
		newAttacker(t, l, 1, c.from, c.to).probe()
		took := waitUntil(t, c.route+" in BIRD", 2*time.Second, func() bool { return strings.Contains(routes(), c.route) })
		t.Logf("%s was in BIRD's table %v after its probe", c.route, took.Round(time.Millisecond))
		if took > time.Second {
			t.Errorf("%s reached BIRD after %v, want within 1 s", c.route, took)
		}
		r := routes()
		if !strings.Contains(r, "(65535,666)") || !strings.Contains(r, c.nh) || !strings.Contains(r, "blackhole") {
			t.Errorf("BIRD's route for %s lacks the BLACKHOLE community, next hop %s or blackhole:\n%s", c.route, c.nh, r)
		}
	}
	if out, _ := l.cmd(0, binary, "bgp").CombinedOutput(); !strings.Contains(string(out), "established") || !strings.Contains(string(out), "2 routes announced") {
		t.Errorf("sentrypeer bgp:\n%s", out)
	}

	// BIRD restarts: every route is back once the session is.
	stopBird()
	startBird()
	took := waitUntil(t, "both routes back after BIRD restarted", 30*time.Second, func() bool {
		r := routes()
		return strings.Contains(r, v4+"/32") && strings.Contains(r, v6+"/128")
	})
	t.Logf("after BIRD restarted, both routes were back in %v", took.Round(time.Millisecond))

	// An unblock withdraws.
	if out, err := l.cmd(0, binary, "unblock", "--data-dir", dir, v4).CombinedOutput(); err != nil {
		t.Fatalf("sentrypeer unblock: %v\n%s", err, out)
	}
	waitUntil(t, "the /32 withdrawn after the unblock", 2*time.Second, func() bool { return !strings.Contains(routes(), v4+"/32") })
	_ = d
}
