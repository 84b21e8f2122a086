package metrics

import "github.com/sentrypeer/sentrypeer/internal/webhook"

// WebhookStats is implemented by [*webhook.Webhook].
type WebhookStats interface{ Stats() webhook.Stats }

var _ WebhookStats = (*webhook.Webhook)(nil)

// RegisterWebhook reports the webhook's queue and counters.
func (m *Metrics) RegisterWebhook(src WebhookStats) error {
	type S = webhook.Stats
	return m.register("webhook", &snapshot[S]{stats: src.Stats, fields: []field[S]{
		gauge("sentrypeer_webhook_queued_events", "Events waiting in the webhook's outbox on disk.", func(s S) float64 { return float64(s.Queued) }),
		counter("sentrypeer_webhook_enqueued_events_total", "Events added to the webhook's outbox.", func(s S) float64 { return float64(s.Enqueued) }),
		counter("sentrypeer_webhook_delivered_events_total", "Events in webhook POSTs answered 2xx.", func(s S) float64 { return float64(s.Delivered) }),
		counter("sentrypeer_webhook_retries_total", "Failed webhook POSTs, sent again later.", func(s S) float64 { return float64(s.Retried) }),
		counter("sentrypeer_webhook_dropped_full_events_total", "Events dropped, oldest first, past --webhook-max-queue.", func(s S) float64 { return float64(s.DroppedFull) }),
		counter("sentrypeer_webhook_dropped_refused_events_total", "Events dropped because the receiver refused them (4xx) repeatedly.", func(s S) float64 { return float64(s.DroppedRefused) }),
		counter("sentrypeer_webhook_lost_events_total", "Events that could not be written to the webhook's outbox.", func(s S) float64 { return float64(s.Lost) }),
		counter("sentrypeer_webhook_token_fetches_total", "OAuth2 token requests of the webhook.", func(s S) float64 { return float64(s.TokenFetches) }),
		gauge("sentrypeer_webhook_last_success_timestamp_seconds", "When a webhook POST was last answered 2xx, Unix time; 0 before the first.", func(s S) float64 {
			if s.LastSuccess.IsZero() {
				return 0
			}
			return float64(s.LastSuccess.UnixNano()) / 1e9
		}),
	}})
}
