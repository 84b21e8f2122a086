//go:build lite

package daemon

import (
	"crypto/tls"
	"errors"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Lite builds leave out, besides the peer-to-peer engine, Prometheus and
// the BGP speaker (p2p_lite.go, meters_lite.go, bgp_lite.go), these smaller
// parts, to stay small on small devices; full.go has them.

// bouncerAPI: no CrowdSec bouncer endpoints (/v1/decisions).
func (d *Daemon) bouncerAPI(*blockerSet, *decision.Engine) error { return nil }

// openAPIDoc: no /api/v1/openapi.json (docs/API.md and full builds have it).
func openAPIDoc() []byte { return nil }

// selfSigned: config refuses --tls-self-signed in lite builds; SIP over TLS
// takes a certificate and key (-t, -k).
func selfSigned(string) (*tls.Config, error) {
	return nil, errors.New("--tls-self-signed: not in this build (lite); use the full build, or give -t and -k")
}

// storeCacheKiB is the writer's SQLite page cache, 4 MiB (16 in full
// builds): the largest fixed part of a flood's peak.
const storeCacheKiB = 4 << 10

// storeBatch: a batch holds at most half a queue of events (a quarter in
// full builds), so that a store behind a flood pins at most one and a half
// queues' worth, its batch and its queue. Against a whole queue it peaked
// 5 MB lower and stored as much or more (bench/flood/run.sh).
func storeBatch(queue int) int { return max(queue/2, 1) }
