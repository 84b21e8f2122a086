//go:build lite

package config

import "errors"

// Lite is true in lite builds (go build -tags lite), which leave out the
// peer-to-peer engine, Prometheus, the BGP speaker and smaller parts (see
// README.md), and refuse their settings. This is a lite build.
const Lite = true

// Defaults for small devices, lower than a full build's: 64 MiB in all
// (48 MiB left the Go heap's limit below what a flood holds live, and the
// collector's work cost 10-15 % of the probes), a queue of 4,096 events per
// sink (auto would give 13,107, and a flood of INVITEs holds about 1.5 KB
// an event), and 20,000 decisions (100,000 take 14 MB). With them a
// 100,000/s flood peaked at 57-63 MB resident (README.md, "Lite build").
const (
	defaultMemoryLimit = "64MiB"
	defaultQueueSize   = "4096"
	defaultBlockMax    = "20000"
)

// A lite build does not link the BGP speaker's package, whose types these
// stand in for. Its settings are refused before they are parsed, so the
// Config fields of these types stay empty.
type (
	bgpNeighbor       struct{}
	bgpCommunity      struct{}
	bgpLargeCommunity struct{}
)

var errNoBGP = errors.New("not in this build (lite)")

func parseBGPNeighbor(string) (bgpNeighbor, error)             { return bgpNeighbor{}, errNoBGP }
func parseBGPCommunity(string) (bgpCommunity, error)           { return bgpCommunity{}, errNoBGP }
func parseBGPLargeCommunity(string) (bgpLargeCommunity, error) { return bgpLargeCommunity{}, errNoBGP }
