// Package p2p is SentryPeer's peer-to-peer engine: a libp2p host that shares
// signed [record.Record]s with other SentryPeer nodes and accepts theirs.
//
// # Network
//
// A [Node] listens on TCP and QUIC (Noise, Yamux) with the Ed25519 identity
// kept in DataDir/p2p-key ([LoadOrCreateKey]). It finds peers through the
// bootstrap addresses of its [Config], a Kademlia DHT of its own (protocol
// prefix "/sentrypeer", never the public IPFS DHT) on which nodes advertise
// and look up the rendezvous namespace [Rendezvous], and mDNS when asked.
//
// # Records
//
// Records travel over GossipSub on [Topic]. Every message is checked before
// it is accepted or relayed: a strict decode and [record.Validate], the
// pubsub origin must be the record's reporter (a node only originates its own
// records), duplicates are dropped, and each origin has a token bucket.
// Invalid messages are rejected so that GossipSub's peer score penalises the
// peer that sent them; a peer whose score falls below the graylist threshold
// is disconnected and refused by the connection gater for an hour.
//
// Nodes that were offline catch up with the [SyncProtocol]: "records after
// sequence N" from a peer's [History], streamed, bounded and resumable with a
// cursor per peer kept in DataDir/p2p-sync.json. A node serves history only
// to peers that have contributed records of their own ([History.Contributed])
// or that it trusts explicitly ([Config.Trust]). A node refused history
// asks those peers again within seconds of sharing a record, and
// [Node.Peers] says, per peer, whether history was received or refused and
// why ([HistoryState]).
//
// A node with [Config.Share] false neither publishes nor subscribes nor
// syncs, and serves no history: it receives nothing.
//
// # Lifecycle
//
// [New] creates the host, which listens at once so that [Node.ID] and
// [Node.Addrs] are usable; [Node.Run] starts discovery, gossip and sync and
// blocks until its context is done, then closes the host. The host is also
// closed when the context given to New is done, so a node whose Run is never
// called does not leak.
package p2p
