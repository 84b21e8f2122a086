package p2p

import (
	"bytes"
	"context"
	"errors"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

func reasonOf(err error) string { return record.Reason(err) }

// ReporterID is the peer ID of the node whose key signed a record
// (record.Record.Reporter).
func ReporterID(key []byte) (peer.ID, error) {
	pk, err := crypto.UnmarshalEd25519PublicKey(key)
	if err != nil {
		return "", err
	}
	return peer.IDFromPublicKey(pk)
}

// validateGossip is the topic validator: every message on Topic passes here
// before it is delivered or relayed. Rejected messages count against the
// peer that sent them in GossipSub's score (P4); ignored ones do not.
// Cheap checks come first so that a flood costs hashes, not signature
// checks. It never blocks: accepted records are queued for Received, and
// dropped (and counted) when the queue is full.
func (n *Node) validateGossip(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	if from == n.host.ID() {
		return pubsub.ValidationAccept // ours, checked in publish
	}
	now := n.now()
	d := digestOf(msg.Data)
	if n.seen.has(d) {
		n.stats.reject(ReasonDuplicate)
		return pubsub.ValidationIgnore
	}
	rec, err := record.Unmarshal(msg.Data)
	if err != nil {
		n.stats.reject(reasonOf(err))
		return pubsub.ValidationReject
	}
	// The rate is the reporter's, whoever relays its records: only the
	// reporter can sign new ones, and copies already seen never get here.
	reporter, err := ReporterID(rec.Reporter)
	if err != nil {
		n.stats.reject(reasonOf(record.ErrSignature))
		return pubsub.ValidationReject
	}
	if !n.limit.allow(reporter, now) {
		n.stats.reject(ReasonRate)
		if reporter == from {
			// A node flooding its own records, sent straight to us: an
			// honest aggregator never goes over, so penalise it. Copies
			// relayed by others are only dropped: the relay may be honest.
			return pubsub.ValidationReject
		}
		return pubsub.ValidationIgnore
	}
	if err := record.Validate(rec, now, n.cfg.Limits); err != nil {
		n.stats.reject(reasonOf(err))
		return pubsub.ValidationReject
	}
	if !n.seen.add(d) {
		n.stats.reject(ReasonDuplicate)
		return pubsub.ValidationIgnore
	}
	select {
	case n.queue <- delivery{rec: rec, from: from}:
		n.stats.receivedGossip.Add(1)
		n.stats.received(from, 1)
	default:
		n.stats.dropped.Add(1)
	}
	if !n.relays.relay(rec.SourceIP, rec.CalledNumber, rec.Reporter, now) {
		// Stored (queued above) but not passed on; not the sender's fault.
		n.stats.notRelayed.Add(1)
		return pubsub.ValidationIgnore
	}
	return pubsub.ValidationAccept
}

// errForged is a synced record with a bad signature: honest peers check
// every record before they store it, so the peer serving it is hostile.
var errForged = errors.New("p2p: peer served a record with a bad signature")

// checkSynced checks one record received by sync. It returns the record if
// it is new and valid, nil if it is to be skipped (counted by reason), and
// errForged if the serving peer must be cut off.
func (n *Node) checkSynced(b []byte, now time.Time) (*record.Record, error) {
	d := digestOf(b)
	if n.seen.has(d) {
		n.stats.reject(ReasonDuplicate)
		return nil, nil
	}
	rec, err := record.Unmarshal(b)
	if errors.Is(err, record.ErrVersion) {
		n.stats.reject(reasonOf(err))
		return nil, nil // a newer peer; nothing wrong with it
	}
	if err != nil {
		n.stats.reject(reasonOf(err))
		return nil, err
	}
	if bytes.Equal(rec.Reporter, n.pub) {
		// Our own record, back from a peer's history: we hold it already.
		n.seen.add(d)
		n.stats.reject(ReasonDuplicate)
		return nil, nil
	}
	if err := record.Validate(rec, now, n.cfg.Limits); err != nil {
		r := reasonOf(err)
		n.stats.reject(r)
		if errors.Is(err, record.ErrSignature) {
			return nil, errForged
		}
		// Stale, future, private: honest peers with other clocks or
		// settings can hold these; skip them without blame.
		return nil, nil
	}
	if !n.seen.add(d) {
		n.stats.reject(ReasonDuplicate)
		return nil, nil
	}
	return rec, nil
}
