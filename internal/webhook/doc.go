// Package webhook posts every probe event to an HTTP receiver, as the
// original SentryPeer's -w did, but durably: each event is first appended
// to an outbox in SQLite (its own file, DATA-DIR/webhook.db) and deleted
// only once the receiver has answered 2xx, so that events survive a
// receiver outage and a restart of the daemon.
//
// # What is posted
//
// The body is the original's JSON object of thirteen keys
// ([logsink.AppendOriginal]), one object per POST, or with [Config.Batch]
// above 1 a JSON array of up to that many. sip_message and destination_ip
// are "" unless [Config.Share] turns them on. A [Config.Secret] signs each
// body (see [Sign]); an [OAuth2] client adds a bearer token.
//
// # Delivery
//
// Events are posted in the order they were queued. With
// [Config.Concurrency] 1 a batch is posted only after the one before it
// succeeded or was dropped; with more, that many batches are in flight,
// started in order. A failed POST is retried with exponential backoff and
// full jitter, or after the receiver's Retry-After on 429 and 503. A
// receiver that refuses a batch (4xx other than 401, 408 and 429)
// [Config.RefusedAttempts] times has it dropped, counted and logged, so that
// one event it cannot take does not hold up the rest. Past
// [Config.MaxQueue] queued events the oldest are dropped and counted.
// Delivery is at least once: a POST whose answer is lost (a crash, a
// timeout) is sent again.
//
// # Contracts
//
// [Webhook] implements [event.Sink]. Its Run appends to the outbox and runs
// the deliverer beside it; it never blocks the packet path (the bus drops
// events for a slow sink). Stats and Close are safe from any goroutine.
package webhook
