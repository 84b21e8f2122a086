package p2p

import (
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// dropTracer counts the gossip pubsub drops on its own: records not sent to
// a peer because that peer's outbound queue was full, and records received
// but thrown away before validation because the validation queue was
// full. Gossip does not resend them; the periodic sync fills such gaps.
type dropTracer struct {
	sendDropped, validateDropped *atomic.Uint64
}

func (t dropTracer) DropRPC(rpc *pubsub.RPC, _ peer.ID) {
	t.sendDropped.Add(uint64(len(rpc.GetPublish())))
}

func (t dropTracer) RejectMessage(_ *pubsub.Message, reason string) {
	if reason == pubsub.RejectValidationQueueFull || reason == pubsub.RejectValidationThrottled {
		t.validateDropped.Add(1)
	}
}

func (dropTracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (dropTracer) OnClosedOutboundStream(peer.ID)                       {}
func (dropTracer) Join(string)                                          {}
func (dropTracer) Leave(string)                                         {}
func (dropTracer) Graft(peer.ID, string)                                {}
func (dropTracer) Prune(peer.ID, string)                                {}
func (dropTracer) ValidateMessage(*pubsub.Message)                      {}
func (dropTracer) DeliverMessage(*pubsub.Message)                       {}
func (dropTracer) DuplicateMessage(*pubsub.Message)                     {}
func (dropTracer) ThrottlePeer(peer.ID)                                 {}
func (dropTracer) RecvRPC(*pubsub.RPC)                                  {}
func (dropTracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (dropTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (dropTracer) UndeliverableMessage(*pubsub.Message)                 {}
