package integration

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sendUDPFrom sends n probes numbered from first to addr from the loopback
// address from (127.0.0.x), so that tests can tell sources apart.
func sendUDPFrom(t *testing.T, from, addr string, first, n int) {
	t.Helper()
	raddr, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(from)}, raddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := first; i < first+n; i++ {
		fmt.Fprintf(c, probe, i, i, i, i)
	}
}

// nodeSelf is the node part of /api/v1/peers.
type nodeSelf struct {
	PeerID string   `json:"peer_id"`
	Addrs  []string `json:"addrs"`
	Peers  []struct {
		PeerID               string `json:"peer_id"`
		History              string `json:"history"`
		HistoryRefusedReason string `json:"history_refused_reason"`
		HistoryRefusedAt     string `json:"history_refused_at"`
	} `json:"peers"`
}

func self(t *testing.T, d *daemon) nodeSelf {
	t.Helper()
	var s nodeSelf
	getJSON(t, d.api+"/api/v1/peers", &s)
	return s
}

// p2pAddr is d's first peer-to-peer address, as a bootstrap address.
func p2pAddr(t *testing.T, d *daemon) string {
	t.Helper()
	s := self(t, d)
	if len(s.Addrs) == 0 {
		t.Fatalf("node %s announces no address (is --p2p-allow-private on?)", d.dataDir)
	}
	return s.Addrs[0]
}

var topicPeersRe = regexp.MustCompile(`(?m)^sentrypeer_p2p_topic_peers (\d+)$`)

func topicPeers(t *testing.T, d *daemon) int {
	t.Helper()
	_, m := get(t, d.api+"/metrics")
	g := topicPeersRe.FindStringSubmatch(m)
	if g == nil {
		return 0
	}
	n, _ := strconv.Atoi(g[1])
	return n
}

// reportsBy counts the records about ip that d holds from reporter.
func reportsBy(t *testing.T, d *daemon, ip, reporter string) int {
	t.Helper()
	var reps struct {
		Reports []struct{ Reporter string }
	}
	getJSON(t, d.api+"/api/v1/reports/ip/"+ip+"?limit=1000", &reps)
	n := 0
	for _, r := range reps.Reports {
		if r.Reporter == reporter {
			n++
		}
	}
	return n
}

// TestP2PNewcomerCatchesUp: nodes A, B and C share on loopback; A stops;
// D joins through C, which refuses it history since D has shared nothing.
// D then gets one probe of its own, and holds B's earlier records within
// 10 s of it, not at the next periodic sync (5 minutes).
func TestP2PNewcomerCatchesUp(t *testing.T) {
	requireFull(t, "the peer-to-peer engine")
	// Loopback addresses are announced, and probes from 127.0.0.x shared,
	// only with --p2p-allow-private.
	const private = "--p2p-allow-private"
	const fromB, fromD = "127.0.0.2", "127.0.0.3"
	a := start(t, "", private)
	boot := p2pAddr(t, a)
	b := start(t, "", private, "-b", boot)
	c := start(t, "", private, "-b", boot)
	waitFor(t, "B and C in A's records topic", 10*time.Second, func() bool { return topicPeers(t, a) >= 2 })

	// A record published before GossipSub has grafted C into A's mesh
	// reaches C by no relay: B's probes go on, one new number a second,
	// until C holds some.
	idB := self(t, b).PeerID
	sent := 0
	waitFor(t, "C to hold B's records", 20*time.Second, func() bool {
		if reportsBy(t, c, fromB, idB) >= 3 {
			return true
		}
		sendUDPFrom(t, fromB, b.addr, 100+sent, 1)
		sent++
		time.Sleep(time.Second)
		return false
	})
	held := reportsBy(t, c, fromB, idB)
	t.Logf("C holds %d of B's records (%d probes sent to B)", held, sent)

	a.stop()
	d := start(t, "", private, "-b", p2pAddr(t, c))
	idC := self(t, c).PeerID
	if !strings.Contains(d.log(), "once it has reported its first attacker") {
		t.Errorf("D's start-up log does not say when history comes:\n%s", d.log())
	}
	historyOf := func(id string) (string, string, string) {
		for _, p := range self(t, d).Peers {
			if p.PeerID == id {
				return p.History, p.HistoryRefusedReason, p.HistoryRefusedAt
			}
		}
		return "", "", ""
	}
	waitFor(t, "C to refuse D history", 10*time.Second, func() bool {
		h, _, _ := historyOf(idC)
		return h == "refused"
	})
	if _, why, at := historyOf(idC); why != "this node has not shared a record yet" || at == "" {
		t.Errorf("D says C refused it history because %q at %q", why, at)
	}
	if n := reportsBy(t, d, fromB, idB); n != 0 {
		t.Fatalf("D holds %d of B's records before it shared any", n)
	}
	waitFor(t, "D in the records topic", 10*time.Second, func() bool { return topicPeers(t, d) >= 1 })

	sendUDPFrom(t, fromD, d.addr, 1, 1)
	probed := time.Now()
	waitFor(t, "D to hold B's records after its first own probe", 10*time.Second, func() bool {
		return reportsBy(t, d, fromB, idB) >= held
	})
	t.Logf("D held B's %d records %v after its first own probe", held, time.Since(probed).Round(time.Millisecond))
	// D asks the peers that refused it one at a time until one serves it:
	// C, or B if D found it meanwhile (B holds D's record through C). The
	// records are stored a moment before the sync round ends.
	waitFor(t, "D to list C's or B's history as received", 2*time.Second, func() bool {
		hc, _, _ := historyOf(idC)
		hb, _, _ := historyOf(idB)
		return hc == "received" || hb == "received"
	})
	out, err := run(t, 20*time.Second, binary, "peers", "--api", d.api)
	if err != nil || !strings.Contains(out, "HISTORY") || !strings.Contains(out, "received") {
		t.Errorf("sentrypeer peers on D: %v\n%s", err, out)
	}
	for _, n := range []*daemon{d, c, b} {
		n.stop()
	}
}
