package integration

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// peerID asks `sentrypeer id` for the peer ID of the node in dataDir; it
// makes the key if there is none yet, so it works before the node starts.
func peerID(t *testing.T, dataDir string) string {
	t.Helper()
	out, err := exec.Command(binary, "id", "--data-dir", dataDir).Output()
	if err != nil {
		t.Fatalf("sentrypeer id: %v", err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	id, ok := strings.CutPrefix(first, "peer ID: ")
	if !ok {
		t.Fatalf("sentrypeer id printed %q", out)
	}
	return id
}

// labJSON fetches path from node i and decodes it into v.
func labJSON(t *testing.T, l *lab, i int, path string, v any) {
	t.Helper()
	code, body := l.get(i, path)
	if code != 200 || json.Unmarshal([]byte(body), v) != nil {
		t.Fatalf("node %d GET %s: %d %s", i, path, code, body)
	}
}

func numbersTotal(t *testing.T, l *lab, i int) int {
	var n struct{ Total int }
	labJSON(t, l, i, "/api/v1/numbers?limit=1", &n)
	return n.Total
}

// labSipp sends n INVITEs to numbers 00972597<1..n> to the node in
// namespace i, from inside it.
func labSipp(t *testing.T, l *lab, i, n, rate int) {
	t.Helper()
	sf, _ := filepath.Abs(filepath.Join("testdata", "invite.xml"))
	out, err := l.cmd(i, requirePeer(t, "sipp"), "-sf", sf, "127.0.0.1:5060", "-i", "127.0.0.1", "-p", "6060",
		"-m", fmt.Sprint(n), "-r", fmt.Sprint(rate), "-nostdin", "-timeout", "60s").CombinedOutput()
	if err != nil {
		t.Fatalf("sipp in node %d: %v\n%s", i, err, tail(string(out), 20))
	}
}

// TestP2PNetwork runs four sentrypeer processes, each in its own network
// namespace, bootstrapped from the first: probes sent to one are in the
// others' API within 2 s, a node that opted out gets nothing, and a node
// that was stopped catches up through sync within 10 s of coming back.
func TestP2PNetwork(t *testing.T) {
	requireFull(t, "the peer-to-peer engine")
	l := newLab(t, 4)
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()}
	boot := fmt.Sprintf("/ip4/%s/tcp/4001/p2p/%s", l.addr(0), peerID(t, dirs[0]))
	// A's operator shares its honeypot address and raw messages too.
	a := l.start(0, dirs[0], "--p2p-share-destination", "--p2p-share-raw")
	b := l.start(1, dirs[1], "-b", boot)
	// C trusts A: A's word alone is enough there.
	trustA := []string{"-b", boot, "--p2p-trust", peerID(t, dirs[0])}
	c := l.start(2, dirs[2], trustA...)
	d := l.start(3, dirs[3], "-b", boot, "--no-share")
	if !strings.Contains(d.log(), "sharing is off") {
		t.Errorf("the opted-out node does not say so at start-up:\n%s", d.log())
	}
	waitUntil(t, "node 0 to see its two sharing peers", 10*time.Second, func() bool {
		var p struct{ Peers []any }
		labJSON(t, l, 0, "/api/v1/peers", &p)
		return len(p.Peers) >= 2
	})

	out, err := l.cmd(0, binary, "peers").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "peers connected") || !strings.Contains(string(out), peerID(t, dirs[1])) {
		t.Errorf("sentrypeer peers in node 0: %v\n%s", err, out)
	}

	// C contributes a record of its own, so that peers serve it history.
	labSipp(t, l, 2, 1, 10)

	labSipp(t, l, 0, 20, 200)
	sent := time.Now()
	for _, i := range []int{1, 2} {
		waitUntil(t, fmt.Sprintf("node %d to hold node 0's 20 numbers", i), 2*time.Second-time.Since(sent), func() bool {
			return numbersTotal(t, l, i) >= 20
		})
		t.Logf("node %d had node 0's probes %v after sipp ended", i, time.Since(sent).Round(time.Millisecond))
	}
	var chk struct {
		Bad       bool     `json:"bad"`
		Sources   []string `json:"sources"`
		Reporters int      `json:"reporters"`
		Enforce   bool     `json:"enforce"`
	}
	labJSON(t, l, 1, "/api/v1/check/number/009725977", &chk)
	if !chk.Bad || strings.Join(chk.Sources, ",") != "peer" || chk.Reporters != 1 || chk.Enforce {
		t.Errorf("node 1's check of a number node 0 saw: %+v; want bad, from one peer, short of the quorum", chk)
	}
	labJSON(t, l, 2, "/api/v1/check/number/009725977", &chk)
	if !chk.Bad || chk.Reporters != 1 || !chk.Enforce {
		t.Errorf("node 2's check of a number node 0, which it trusts, saw: %+v; want bad and enforced", chk)
	}

	// What B holds about the source: A's first sightings carry A's address
	// and the INVITE, as A's operator chose; C's carry neither.
	var reps struct {
		Reports []struct {
			Reporter, Destination, Raw, CalledNumber string `json:",omitempty"`
		}
	}
	labJSON(t, l, 1, "/api/v1/reports/ip/127.0.0.1?limit=1000", &reps)
	idA, idC := peerID(t, dirs[0]), peerID(t, dirs[2])
	var fromA, withRaw, fromC int
	for _, r := range reps.Reports {
		switch r.Reporter {
		case idA:
			fromA++
			if strings.HasPrefix(r.Raw, "INVITE sip:") && r.Destination == "127.0.0.1:5060" {
				withRaw++
			}
		case idC:
			fromC++
			if r.Raw != "" || r.Destination != "" {
				t.Errorf("node 2 does not share raw messages or its address, yet B has %+v", r)
			}
		}
	}
	if fromA < 20 || withRaw < 20 || fromC < 1 {
		t.Errorf("B's reports about 127.0.0.1: %d from A (%d with its address and INVITE), %d from C; want 20, 20, 1 at least",
			fromA, withRaw, fromC)
	}
	out, err = l.cmd(1, binary, "reports", "--raw", "--limit", "100", "127.0.0.1").CombinedOutput()
	if err != nil || !strings.Contains(string(out), idA) || !strings.Contains(string(out), "    | INVITE sip:") {
		t.Errorf("sentrypeer reports --raw in node 1: %v\n%s", err, out)
	}

	// C stops; 1,000 numbers are shared meanwhile; C comes back.
	c.stop()
	labSipp(t, l, 0, 1000, 500)
	waitUntil(t, "node 1 to hold 1,000 numbers", 10*time.Second, func() bool { return numbersTotal(t, l, 1) == 1000 })
	c = l.start(2, dirs[2], trustA...)
	took := waitUntil(t, "node 2, back, to hold the 1,000 numbers shared while it was down", 10*time.Second, func() bool {
		return numbersTotal(t, l, 2) == 1000
	})
	t.Logf("node 2 caught up with 1,000 numbers %v after it started again", took)

	// The opted-out node got nothing, by gossip or sync.
	var st struct {
		Events int `json:"events_total"`
	}
	labJSON(t, l, 3, "/api/v1/stats", &st)
	labJSON(t, l, 3, "/api/v1/check/ip/127.0.0.1", &chk)
	if st.Events != 0 || chk.Bad {
		t.Errorf("the opted-out node holds %d events, check %+v; want nothing", st.Events, chk)
	}
	var p struct {
		Sharing bool
		Peers   []any
	}
	labJSON(t, l, 3, "/api/v1/peers", &p)
	if p.Sharing {
		t.Errorf("the opted-out node says it shares")
	}
	for _, n := range []*daemon{a, b, c, d} {
		n.stop()
	}
}

// TestP2PmDNS: two nodes on one network segment, with no bootstrap
// address, find each other with mDNS and share.
func TestP2PmDNS(t *testing.T) {
	requireFull(t, "the peer-to-peer engine")
	l := newLab(t, 2)
	a := l.start(0, t.TempDir(), "--p2p-mdns")
	b := l.start(1, t.TempDir(), "--p2p-mdns")
	took := waitUntil(t, "the nodes to find each other by mDNS", 30*time.Second, func() bool {
		var p struct{ Peers []any }
		labJSON(t, l, 1, "/api/v1/peers", &p)
		return len(p.Peers) >= 1
	})
	t.Logf("found by mDNS in %v", took.Round(time.Millisecond))
	labSipp(t, l, 0, 5, 50)
	waitUntil(t, "node 1 to hold node 0's numbers", 5*time.Second, func() bool { return numbersTotal(t, l, 1) == 5 })
	a.stop()
	b.stop()
}
