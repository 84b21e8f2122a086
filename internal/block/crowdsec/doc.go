// Package crowdsec serves the decision endpoints of CrowdSec's local API
// (LAPI) that bouncers use, so that any CrowdSec bouncer (the firewall
// bouncer, nginx, HAProxy, Traefik...) blocks what SentryPeer decided,
// without CrowdSec itself:
//
//   - GET /v1/decisions/stream?startup=true|false, with the filters
//     scopes (default "ip,range"), origins, scenarios_containing and
//     scenarios_not_containing, for stream-mode bouncers;
//   - GET /v1/decisions?ip=ADDR or ?range=CIDR (contains=true|false), for
//     live-mode bouncers.
//
// Each bouncer authenticates with its own key in X-Api-Key; a missing or
// unknown key gets 403 {"message":"access forbidden"}. Keys are made by
// `sentrypeer bouncers add NAME` ([AddBouncer]) and kept hashed in
// DATA-DIR/bouncers.json ([KeysFile]), which the [Handler] reads again
// within about a second of a change.
//
// # Decisions on the wire
//
// Every address and network decision goes out as a CrowdSec decision of
// type "ban", scope "Ip" or "Range", origin "local", "peers", "trusted" or
// "manual" (what the origins filter matches), scenario
// "sentrypeer/sip-probe-" plus the origin, duration the time left as a Go
// duration string, and until. Called-number decisions are never sent: one
// value that is not an address or a network makes crowdsec-firewall-bouncer
// reject the whole batch.
//
// # Stream state
//
// The handler remembers, per bouncer and in memory only, what it last sent
// it (value and until). Each pull returns as new what the bouncer does not
// hold, and as deleted what it holds that is gone. A decision whose until
// moved (later by a minute or more, earlier at all, or later while the
// bouncer's copy ends within a minute) is sent as deleted and new in the
// same reply, because a bouncer does not refresh the timeout of a value it
// already holds. startup=true, and a bouncer's first pull after the daemon
// started, send everything as new and nothing as deleted; values unblocked
// while the daemon was down then stay in the bouncer's set until their own
// timeout, unless the bouncer is restarted. One key should serve one
// bouncer process: two sharing a key share one state and miss changes.
package crowdsec
