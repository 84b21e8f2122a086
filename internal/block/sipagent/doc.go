// Package sipagent is the SIP agent: a stateless redirect server (RFC 3261
// section 8.3) that a proxy or PBX (Kamailio, OpenSIPS, Asterisk) asks
// about each INVITE before it routes the call.
//
// The agent looks the call's caller address and called number up in the
// decision set. A blocked caller or number gets the configured rejection
// (404 Not Found by default) with a Reason header naming the value that
// matched; any other INVITE gets 302 Moved Temporarily with a Contact of
// the same user at [Config.Destination], which the proxy follows. OPTIONS
// gets 200 (keep-alives), ACK nothing, CANCEL 481 (a stateless server holds
// no transaction, RFC 3261 9.2) and any other request 405.
//
// # Privacy
//
// The calls the agent is asked about are customers' calls, not probes:
// they are never published as events, never shared, and their numbers and
// addresses are logged only with [Config.Debug]. The agent keeps counters
// ([Agent.Stats]) and nothing else.
//
// # Concurrency
//
// An [Agent] is safe for concurrent use. [Agent.Serve] and
// [Agent.ServeStream] may run at the same time, on any number of sockets;
// each blocks until its context is done and then returns nil. Neither
// closes the socket or listener it was given (a stream's connections are
// closed); the caller owns them.
package sipagent
