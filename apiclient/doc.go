// Package apiclient is a typed Go client of the SentryPeer API: the
// daemon's local JSON API under /api/v1/ (checks, the IP and number lists,
// events and their live stream, decisions, peers, reports, export, BGP,
// blocking and stats) and the HQ-compatible routes and token flow. The
// sentrypeer command line is built on it.
//
// # Usage
//
//	c, err := apiclient.New(apiclient.Config{
//		BaseURL: "http://127.0.0.1:8082",
//		APIKey:  os.Getenv("SENTRYPEER_API_KEY"),
//	})
//	if err != nil {
//		return err
//	}
//	defer c.Close()
//	ch, err := c.CheckIP(ctx, netip.MustParseAddr("203.0.113.7"))
//	if err != nil {
//		return err
//	}
//	if ch.Bad {
//		fmt.Println("seen", ch.Count, "times")
//	}
//
// Lists page with an offset ([Client.IPs]), events and decisions with the
// server's cursor ([Client.Events], [Client.Decisions]); the All methods
// ([Client.AllEvents] and others) follow every page as an [iter.Seq2]:
//
//	for e, err := range c.AllEvents(ctx, apiclient.EventQuery{Method: "INVITE"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(e.Time, e.SourceIP, e.CalledNumber)
//	}
//
// [Client.Stream] follows new probes as they arrive, until its context
// ends or it is closed.
//
// # Authentication
//
// [Config].APIKey is sent as "Authorization: Bearer KEY". Blocking and
// unblocking need the daemon's admin key (DATA-DIR/admin.key) or its API
// key. With [Config].ClientID and ClientSecret instead, the client fetches
// a bearer token the HQ way (POST /oauth/token, grant_type
// client_credentials), keeps it until shortly before it expires, and
// fetches another once when the server refuses it.
//
// # Errors, timeouts and retries
//
// A reply with an error status is an [*APIError] holding the status and
// what the server said; [IsNotFound], [IsUnauthorized], [IsBadRequest] and
// [IsRateLimited] test for the usual ones. Transport errors name the
// method and URL. [Config].Timeout bounds each attempt; [RetryPolicy]
// says which failures are retried (429 and 503 by default, honouring
// Retry-After, with capped, jittered backoff; a block only when the server
// certainly did nothing).
//
// Every string in a reply may come from an attacker: sanitise it before
// showing it on a terminal.
//
// # Lite builds
//
// Built with -tags lite, the default transport speaks plain HTTP/1.1 only
// (no TLS, no HTTP/2), with one connection per request, as lite builds
// leave out net/http's client Transport; set [Config].HTTPClient for more.
package apiclient
