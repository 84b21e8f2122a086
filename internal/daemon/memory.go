package daemon

import (
	"os"

	"github.com/sentrypeer/sentrypeer/internal/membudget"
)

// memory shares out the memory limit, storeCache bytes of it left to
// SQLite. Without --memory-limit nothing is governed; with GOMEMLIMIT set,
// that is the Go limit and only the index and queues are sized from it.
func (d *Daemon) memory(storeCache int64) (*membudget.Governor, membudget.Plan) {
	if env, ok := membudget.GoLimitFromEnv(os.LookupEnv); ok {
		p := membudget.For(env, 0)
		return nil, p
	}
	if d.cfg.MemoryLimit <= 0 {
		return nil, membudget.For(0, 0)
	}
	g := membudget.New(membudget.Config{Limit: d.cfg.MemoryLimit, Reserve: storeCache, Logger: d.logger})
	return g, g.Plan()
}
