package daemon

import "github.com/sentrypeer/sentrypeer/internal/block"

// pushBlockers returns constructors of the blockers the settings turn on.
func (d *Daemon) pushBlockers() []func() (block.Blocker, error) {
	var out []func() (block.Blocker, error)
	return out
}
