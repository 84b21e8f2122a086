package p2p

import (
	"sync/atomic"
	"testing"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
)

func TestDropTracer(t *testing.T) {
	var sent, validated atomic.Uint64
	tr := dropTracer{&sent, &validated}
	msgs := []*pb.Message{{Data: []byte("a")}, {Data: []byte("b")}, {Data: []byte("c")}}
	tr.DropRPC(&pubsub.RPC{RPC: pb.RPC{Publish: msgs}}, "p")
	tr.DropRPC(&pubsub.RPC{RPC: pb.RPC{}}, "p") // control only: no record lost
	for _, reason := range []string{
		pubsub.RejectValidationQueueFull, pubsub.RejectValidationThrottled,
		pubsub.RejectValidationFailed, pubsub.RejectValidationIgnored, pubsub.RejectInvalidSignature,
	} {
		tr.RejectMessage(&pubsub.Message{Message: msgs[0]}, reason)
	}
	if sent.Load() != 3 || validated.Load() != 2 {
		t.Errorf("not sent %d, not validated %d; want 3, 2", sent.Load(), validated.Load())
	}
}
