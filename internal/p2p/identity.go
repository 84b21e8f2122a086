package p2p

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Identity returns the peer ID of the node whose data folder is dataDir
// (making its key if there is none yet, as the daemon would), and the full
// multiaddrs that others can bootstrap from: listen, with an unspecified
// address (0.0.0.0, ::) replaced by each address of this host's
// interfaces, each ending in /p2p/ID. It needs no running daemon; a port 0
// in listen stays 0, as the real port is only known once listening.
func Identity(dataDir string, listen []multiaddr.Multiaddr) (peer.ID, []multiaddr.Multiaddr, error) {
	key, err := LoadOrCreateKey(dataDir)
	if err != nil {
		return "", nil, err
	}
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		return "", nil, fmt.Errorf("p2p: peer ID: %w", err)
	}
	ifaces, err := manet.InterfaceMultiaddrs()
	if err != nil {
		return "", nil, fmt.Errorf("p2p: listing interface addresses: %w", err)
	}
	addrs, err := manet.ResolveUnspecifiedAddresses(listen, ifaces)
	if err != nil {
		return "", nil, fmt.Errorf("p2p: resolving listen addresses: %w", err)
	}
	suffix := multiaddr.StringCast("/p2p/" + id.String())
	out := make([]multiaddr.Multiaddr, 0, len(addrs))
	for _, a := range addrs {
		if manet.IsIP6LinkLocal(a) {
			continue // useless to others without a zone
		}
		out = append(out, a.Encapsulate(suffix))
	}
	return id, out, nil
}
