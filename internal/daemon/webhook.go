//go:build !lite

package daemon

import (
	"context"

	"github.com/sentrypeer/sentrypeer/internal/logsink"
	"github.com/sentrypeer/sentrypeer/internal/webhook"
)

// webhookSink is the webhook sink; lite builds leave it out.
type webhookSink = *webhook.Webhook

// webhook opens the webhook sink and its outbox, DATA-DIR/webhook.db; nil
// without -w: nothing leaves the machine then.
func (d *Daemon) webhook(ctx context.Context) (*webhook.Webhook, error) {
	cfg := &d.cfg
	if cfg.WebhookURL == "" {
		return nil, nil
	}
	wc := webhook.Config{
		URL:         cfg.WebhookURL,
		Info:        logsink.AppInfo{Name: d.info.Name, Version: d.info.Version},
		Share:       logsink.Share{Raw: cfg.WebhookShareRaw, Destination: cfg.WebhookShareDestination},
		Batch:       cfg.WebhookBatch,
		Concurrency: cfg.WebhookConcurrency,
		MaxQueue:    cfg.WebhookMaxQueue,
		Secret:      cfg.WebhookSecret,
	}
	if cfg.OAuth2ClientID != "" {
		wc.OAuth2 = &webhook.OAuth2{TokenURL: cfg.OAuth2TokenURL, ClientID: cfg.OAuth2ClientID,
			ClientSecret: cfg.OAuth2ClientSecret, Audience: cfg.OAuth2Audience}
	}
	return webhook.Open(ctx, cfg.DataPath("webhook.db"), wc, d.logger)
}
