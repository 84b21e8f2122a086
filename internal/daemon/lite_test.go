//go:build lite

package daemon

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/config"
)

// TestLitePeers: a lite build has no peers, and says that the node shares
// nothing and receives nothing.
func TestLitePeers(t *testing.T) {
	cfg, err := config.Load(nil, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	d := New(cfg, Info{}, slog.New(slog.NewTextHandler(&log, nil)))
	ps, err := d.peers(t.Context(), nil, nil, nil)
	if ps != nil || err != nil {
		t.Fatalf("peers = %v, %v; want none", ps, err)
	}
	if !strings.Contains(log.String(), "shares nothing and receives nothing") {
		t.Errorf("log %q does not say the node does not share", log.String())
	}
	if p, r := d.peersAPI(ps, nil); p != nil || r != nil {
		t.Errorf("peersAPI = %v, %v; want nil", p, r)
	}
	if d.meters() != nil {
		t.Error("a lite build has meters")
	}
}
