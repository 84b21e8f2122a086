//go:build !lite

package daemon

import (
	"crypto/tls"

	"github.com/sentrypeer/sentrypeer/internal/apidoc"
	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/block/crowdsec"
	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/tlsconf"
)

// The smaller parts that lite builds leave out too, to stay small: their
// counterparts are in lite.go.

// bouncerAPI adds to set the CrowdSec bouncers' endpoints, which the API
// serves.
func (d *Daemon) bouncerAPI(set *blockerSet, dec *decision.Engine) error {
	h, err := crowdsec.New(crowdsec.Config{Decisions: dec, KeysFile: d.cfg.DataPath(crowdsec.KeysFile),
		Logger: d.logger.With("component", "crowdsec")})
	if err != nil {
		return err
	}
	set.lapi = h
	// A bouncer is in sync once it has pulled since the daemon started.
	set.bouncers = func() []block.Status {
		var out []block.Status
		for _, b := range h.Bouncers() {
			out = append(out, block.Status{Name: "crowdsec bouncer " + b.Name, InSync: !b.LastPull.IsZero(), Held: b.Holds, LastSync: b.LastPull})
		}
		return out
	}
	return nil
}

// openAPIDoc is the API's OpenAPI document, served at /api/v1/openapi.json.
func openAPIDoc() []byte { return apidoc.JSON() }

// selfSigned is the certificate of --tls-self-signed, made once in dir.
func selfSigned(dir string) (*tls.Config, error) { return tlsconf.SelfSigned(dir) }

// storeCacheKiB leaves the store's page cache at its default (16 MiB).
const storeCacheKiB = 0

// storeBatch: a batch holds at most a quarter of a queue of events (6,553
// at the default limit), so that a store behind a flood pins at most a
// queue and a quarter. With the store's default of 50,000 a batch was
// outside the memory budget: the flood's live heap passed the Go limit
// and the collector ran back to back. bench/flood/run.sh, 3 Dec 2026,
// 4 runs each interleaved: peak resident 136-143 MB against 166-186, CPU
// per probe 3.15-3.80 times the plain loop against 3.41-4.30, and every
// run stored everything (2 of 4 dropped some with 50,000).
func storeBatch(queue int) int { return max(queue/4, 1) }
