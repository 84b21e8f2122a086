// Package cli implements the command-line client subcommands of sentrypeer
// (ips, numbers, check, export, events): thin clients of the daemon's local
// JSON API (/api/v1/), printing tables or the API's JSON. Every call goes
// through the public SDK, [github.com/sentrypeer/sentrypeer/apiclient], so
// the tests of this package test it too.
//
// # Settings
//
// The API base URL is --api, else http:// plus SENTRYPEER_API_LISTEN, else
// http://127.0.0.1:8082 (the default of the daemon's --api-listen). The API
// key is --api-key, else SENTRYPEER_API_KEY; it is sent as
// "Authorization: Bearer KEY". A 429 and a transport error are retried
// twice, briefly; a 503 is not (the daemon sends it when a query ran out of
// time, which a retry repeats).
//
// # Exit status
//
// 0 on success; 1 only from check, when the value is not a known bad actor;
// 2 on a usage error or a failure (API unreachable, 401, 4xx/5xx, bad reply).
//
// # Terminal safety
//
// Every string the API returns may come from an attacker. Table output
// escapes control characters (C0, DEL, C1, including ESC) and bidirectional
// formatting characters; --json output is re-validated and escapes the same
// characters as \uXXXX, so it stays valid, equivalent JSON. The export
// subcommand copies the API's body unchanged, as its formats are meant for
// files and other programs.
package cli
