// Package clients keeps the API's OAuth2 clients (client credentials
// grant, as SentryPeerHQ has them) in DATA-DIR/clients.db, and issues and
// checks their bearer tokens.
//
// # Clients
//
// A client has an id, a name, scopes ([Read], [Report]) and a trust flag.
// Its secret is 32 random bytes, shown once by [DB.Add]; the database keeps
// only its SHA-256. A fast hash is enough here: the secret is random and
// 256 bits long, so there is no dictionary to try, and a slow password
// hash would only hand attackers a way to burn the node's CPU through the
// token endpoint.
//
// The command line (sentrypeer clients) edits the file directly, with the
// daemon running or not. A [Registry] in the daemon rereads it when
// SQLite's PRAGMA data_version says another connection changed it, polled
// every second: a deleted client's tokens stop working within that time.
//
// # Tokens
//
// Tokens are stateless: an expiry, the client's id and scopes, signed with
// HMAC-SHA256 under a key drawn at random when the daemon starts. Nothing
// is stored per token, so minting many costs no memory; a restart
// invalidates every token, and clients (CGRateS, the webhook sender) fetch
// a new one on the 401. A token is accepted only while its client is still
// in the database, with the scopes the client has now. They last
// [DefaultTTL].
//
// # Rate limits
//
// Each client has a token bucket ([Registry.Allow]); past it, the API
// answers 429 with Retry-After.
//
// A [Registry] is safe for concurrent use. A [DB] is too, but is meant for
// one command or one daemon at a time.
package clients
