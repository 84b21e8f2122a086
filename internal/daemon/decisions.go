package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// decisions builds the set every blocker follows, loaded from the store.
func (d *Daemon) decisions(ctx context.Context, st *store.Store) (*decision.Engine, error) {
	cfg := &d.cfg
	own, err := ownAddrs(cfg.SIPListen, cfg.APIListen)
	if err != nil {
		return nil, err
	}
	own = append(own, bootstrapAddrs(cfg.BootstrapNodes)...)
	own = append(own, d.bgpNeighborAddrs()...) // never blackhole the router itself
	never := decision.NewNever(cfg.Allow, own, cfg.P2PAllowPrivate)
	e := decision.New(decision.Config{BlockFor: cfg.BlockFor, Max: cfg.BlockMax, Evidence: cfg.BlockEvidence,
		Never: never, Store: st, Logger: d.logger.With("component", "decisions")})
	if err := e.Load(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// ownAddrs are the node's addresses: every interface's, and those it
// listens on.
func ownAddrs(listen []netip.AddrPort, api netip.AddrPort) ([]netip.Addr, error) {
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("reading this node's own addresses (never blocked): %w", err)
	}
	var out []netip.Addr
	for _, a := range ifaddrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	for _, ap := range append(listen, api) {
		if a := ap.Addr(); a.IsValid() && !a.IsUnspecified() {
			out = append(out, a)
		}
	}
	return out, nil
}

// enforcedReports indexes peers' reports, then tells the decision engine
// of those the index now enforces: a quorum of peers, or a trusted one.
type enforcedReports struct {
	idx *index.Index
	eng *decision.Engine
}

func (r *enforcedReports) AddReports(reports ...index.Report) {
	r.idx.AddReports(reports...)
	for _, rep := range reports {
		if s, ok := r.idx.SummaryIP(rep.SourceIP); ok {
			r.observe(s, rep, rep.SourceIP, "")
		}
		if rep.Number != "" {
			if s, ok := r.idx.SummaryNumber(rep.Number); ok {
				r.observe(s, rep, netip.Addr{}, rep.Number)
			}
		}
	}
}

func (r *enforcedReports) observe(s index.Summary, rep index.Report, ip netip.Addr, number string) {
	// A local sighting is the bus's to tell; here only what peers agree on.
	if !s.Enforce || s.Sources&index.Local != 0 {
		return
	}
	r.eng.Observe(decision.Evidence{IP: ip, Number: number, Origin: originOf(s.Sources, s.Trusted), Reporters: s.Reporters, Proven: true, At: rep.Last})
}

// adminKeyFile is where the daemon keeps the credential for writes.
const adminKeyFile = "admin.key"

// adminKey returns the admin key, creating DATA-DIR/admin.key (mode 0600)
// on first use. The command line reads the same file.
func (d *Daemon) adminKey() (string, error) {
	path := d.cfg.DataPath(adminKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		if k := strings.TrimSpace(string(b)); len(k) >= 32 {
			return k, nil
		}
		return "", fmt.Errorf("admin key %s is shorter than 32 characters; delete it to get a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("reading admin key: %w", err)
	}
	var raw [32]byte
	rand.Read(raw[:])
	k := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("creating admin key: %w", err)
	}
	if _, err := f.WriteString(k + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("creating admin key: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("creating admin key: %w", err)
	}
	return k, nil
}
