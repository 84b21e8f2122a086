package p2p

import (
	"strings"
	"testing"

	"github.com/multiformats/go-multiaddr"
)

func TestIdentity(t *testing.T) {
	dir := t.TempDir()
	listen := []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/0.0.0.0/tcp/4001"), multiaddr.StringCast("/ip4/127.0.0.1/udp/4001/quic-v1")}
	id, addrs, err := Identity(dir, listen)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := Identity(dir, listen)
	if err != nil || again != id {
		t.Fatalf("a second call gave %s, %v; want the same ID %s", again, err, id)
	}
	var loopbackTCP, quic bool
	for _, a := range addrs {
		s := a.String()
		if !strings.HasSuffix(s, "/p2p/"+id.String()) || strings.Contains(s, "0.0.0.0") {
			t.Errorf("address %s: want a concrete address ending in /p2p/%s", s, id)
		}
		loopbackTCP = loopbackTCP || strings.HasPrefix(s, "/ip4/127.0.0.1/tcp/4001/p2p/")
		quic = quic || strings.HasPrefix(s, "/ip4/127.0.0.1/udp/4001/quic-v1/p2p/")
	}
	if !loopbackTCP || !quic {
		t.Errorf("addresses %v: want 0.0.0.0 resolved to 127.0.0.1 among others, and the QUIC address kept", addrs)
	}
}

func TestAnnounced(t *testing.T) {
	addrs := []multiaddr.Multiaddr{
		multiaddr.StringCast("/ip4/127.0.0.1/tcp/4001"), multiaddr.StringCast("/ip4/192.168.1.5/tcp/4001"),
		multiaddr.StringCast("/ip4/8.8.8.8/tcp/4001"), multiaddr.StringCast("/ip6/fe80::1/tcp/4001"),
		multiaddr.StringCast("/ip6/2a00:1450::1/udp/4001/quic-v1"),
	}
	if got := announced(false)(addrs); len(got) != len(addrs) {
		t.Errorf("without hiding: %v", got)
	}
	got := announced(true)(addrs)
	if len(got) != 2 || got[0].String() != "/ip4/8.8.8.8/tcp/4001" || got[1].String() != "/ip6/2a00:1450::1/udp/4001/quic-v1" {
		t.Errorf("hiding private addresses: %v, want the two public ones", got)
	}
}
