//go:build !linux

package nft

import (
	"context"

	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// Blocker is the nftables blocker; it exists only on Linux, and New says
// so elsewhere.
type Blocker struct{}

var _ block.Blocker = (*Blocker)(nil)

// New returns ErrUnsupported: nftables exists only on Linux.
func New(cfg Config) (*Blocker, error) { return nil, ErrUnsupported }

// Name is [Name].
func (*Blocker) Name() string { return Name }

// Check returns ErrUnsupported.
func (*Blocker) Check() error { return ErrUnsupported }

// Sync returns ErrUnsupported.
func (*Blocker) Sync(context.Context, []decision.Decision) error { return ErrUnsupported }

// Apply returns ErrUnsupported.
func (*Blocker) Apply(context.Context, []decision.Change) error { return ErrUnsupported }

// Dropped returns ErrUnsupported.
func (*Blocker) Dropped() (Drops, error) { return Drops{}, ErrUnsupported }

// Elements returns zeros.
func (*Blocker) Elements() (ipv4, ipv6 int) { return 0, 0 }

// Held returns zero.
func (*Blocker) Held() int { return 0 }
