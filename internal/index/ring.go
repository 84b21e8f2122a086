package index

// record is one event, or one peer's report of several, as the index keeps
// it.
type record struct {
	t        int64  // the event's time; a report's last sighting
	ip       uint32 // ips id
	number   uint32 // numbers id, 0 for none
	ua       uint32
	nextIP   uint32 // sequence distance to the IP's next record, 0 for none
	nextNum  uint32
	reporter uint32 // reporters id; 0 for this node's own events
	count    uint32 // sightings it stands for: 1 for an event
	method   uint8
}

// ring is the events in arrival order; the sequence number of recs[i] is
// base + i - head. It grows at the tail, shrinks at the head, and moves its
// contents down once the head has passed half of it.
type ring struct {
	recs []record
	head int
	base uint64 // sequence of recs[head]
}

func (r *ring) len() int { return len(r.recs) - r.head }

func (r *ring) next() uint64 { return r.base + uint64(r.len()) }

func (r *ring) at(seq uint64) *record { return &r.recs[r.head+int(seq-r.base)] }

func (r *ring) push(rec record) { r.recs = append(r.recs, rec) }

func (r *ring) oldest() *record { return &r.recs[r.head] }

func (r *ring) pop() {
	r.recs[r.head] = record{}
	r.head++
	r.base++
	if r.head >= 1024 && r.head*2 >= len(r.recs) {
		n := copy(r.recs, r.recs[r.head:])
		clear(r.recs[n:])
		r.recs = r.recs[:n]
		r.head = 0
	}
}
