package p2p

import (
	"crypto/sha256"
	"sync"
)

// digest names an encoded record. Encodings are canonical and include the
// signature, so equal digests mean the same record from the same reporter.
type digest [16]byte

func digestOf(b []byte) digest {
	s := sha256.Sum256(b)
	return digest(s[:16])
}

// seenSet remembers recently accepted records so that a record arriving a
// second time (by gossip and sync, or from two sync peers) costs a hash and
// a map lookup instead of a signature check and a store write.
//
// It keeps two generations of at most size entries each; when the current
// one fills up, the older is dropped. Memory is bounded by 2*size entries
// and a record is remembered for at least size insertions. Safe for
// concurrent use.
type seenSet struct {
	size int

	mu   sync.Mutex
	cur  map[digest]struct{}
	prev map[digest]struct{}
}

func newSeenSet(size int) *seenSet {
	return &seenSet{size: size, cur: make(map[digest]struct{}), prev: map[digest]struct{}{}}
}

func (s *seenSet) has(d digest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.cur[d]
	if !ok {
		_, ok = s.prev[d]
	}
	return ok
}

// add records d and reports whether it was new.
func (s *seenSet) add(d digest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cur[d]; ok {
		return false
	}
	if _, ok := s.prev[d]; ok {
		return false
	}
	if len(s.cur) >= s.size {
		s.prev = s.cur
		s.cur = make(map[digest]struct{}, s.size)
	}
	s.cur[d] = struct{}{}
	return true
}
