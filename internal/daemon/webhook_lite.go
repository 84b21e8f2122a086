//go:build lite

package daemon

import (
	"context"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// webhookSink stands in for the webhook sink, which lite builds leave out
// (internal/webhook and its HTTP client); config refuses -w, so there
// never is one.
type webhookSink interface {
	event.Sink
	Close() error
}

func (d *Daemon) webhook(context.Context) (webhookSink, error) { return nil, nil }
