//go:build !lite

package daemon

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/p2p"
)

func TestTrustedPeers(t *testing.T) {
	key, err := p2p.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := p2p.SigningKey(key)
	self, err := peer.IDFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	other, err := p2p.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := peer.IDFromPrivateKey(other)

	ids, keys, err := trustedPeers([]string{self.String(), id.String()})
	if err != nil || len(ids) != 2 || len(keys) != 2 {
		t.Fatalf("trustedPeers = %v, %v, %v", ids, keys, err)
	}
	if ids[0] != self || !bytes.Equal(keys[0][:], sk.Public().(ed25519.PublicKey)) {
		t.Errorf("key of %s = %x, want its signing key %x", self, keys[0], sk.Public())
	}

	// The second is a hashed (RSA-style) peer ID: no key inside.
	for _, bad := range []string{"not-a-peer-id", "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"} {
		if _, _, err := trustedPeers([]string{bad}); err == nil || !strings.Contains(err.Error(), "--p2p-trust "+bad) {
			t.Errorf("trustedPeers(%q) error = %v, want one naming the setting and value", bad, err)
		}
	}
}
