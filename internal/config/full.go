//go:build !lite

package config

import "github.com/sentrypeer/sentrypeer/internal/block/bgp"

// Lite is true in lite builds (go build -tags lite), which leave out the
// peer-to-peer engine, Prometheus, the BGP speaker and smaller parts (see
// README.md), and refuse their settings. This is the full build.
const Lite = false

// Defaults that lite builds set lower (lite.go).
const (
	defaultMemoryLimit = "128MiB"
	defaultQueueSize   = "auto"
	defaultBlockMax    = "100000"
)

// The BGP speaker's settings are its package's types.
type (
	bgpNeighbor       = bgp.Neighbor
	bgpCommunity      = bgp.Community
	bgpLargeCommunity = bgp.LargeCommunity
)

var (
	parseBGPNeighbor       = bgp.ParseNeighbor
	parseBGPCommunity      = bgp.ParseCommunity
	parseBGPLargeCommunity = bgp.ParseLargeCommunity
)
