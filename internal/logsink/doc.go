// Package logsink holds the honeypot's two text outputs for probe events: a
// JSON-lines event file ([JSON]) and a syslog feed ([Syslog]).
//
// Both keep the output formats of the original C SentryPeer (4.x) so that
// existing consumers keep working: T-Pot's Logstash pipeline reads the JSON
// file and fail2ban filters match the syslog line. Keys this rewrite adds are
// appended after the original ones and never replace them.
//
// # Contracts
//
// Each sink implements [event.Sink]: its Run method reads its own queue,
// returns nil after draining once the queue is closed, and returns
// promptly (also nil) when its context is cancelled, possibly leaving queued
// events unwritten. Neither sink ever blocks the packet path: they read from
// a bounded [event.Bus] subscription, and the bus drops events for a slow
// sink. Output errors never stop Run; they are counted in Stats and logged at
// a limited rate.
package logsink
