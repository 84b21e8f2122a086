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

// storeCacheKiB and storeBatch leave the store's page cache and batches at
// their defaults (16 MiB, 50,000 events).
const storeCacheKiB = 0

func storeBatch(queue int) int { return 0 }
