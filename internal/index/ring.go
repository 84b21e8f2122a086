package index

import "unsafe"

// record is one event, or one peer's report of several, as the index keeps
// it: 40 bytes, no pointers.
type record struct {
	t        int64  // the event's time; a report's last sighting
	ip       uint32 // ips id
	number   uint32 // numbers id, 0 for none
	nextIP   uint32 // sequence distance to the IP's next record, 0 for none
	nextNum  uint32
	reporter uint32 // reporters id; 0 for this node's own events
	count    uint32 // sightings it stands for: 1 for an event
	ua       uint16
	method   uint8
}

// ring is the records in arrival order, in fixed-size chunks: it grows at
// the tail a chunk at a time and gives chunks back as the head passes
// them, so it never copies and holds at most one chunk more than it needs
// (and one spare, so that a ring at a chunk's edge does not allocate on
// every event). The sequence number of the oldest record is base.
type ring struct {
	chunks [][]record
	spare  []record
	head   int // position of the oldest record in chunks[0]
	n      int
	base   uint64
}

const (
	ringBits = 13
	ringSize = 1 << ringBits
	ringMask = ringSize - 1
)

func (r *ring) len() int { return r.n }

func (r *ring) next() uint64 { return r.base + uint64(r.n) }

func (r *ring) at(seq uint64) *record {
	p := r.head + int(seq-r.base)
	return &r.chunks[p>>ringBits][p&ringMask]
}

func (r *ring) push(rec record) {
	p := r.head + r.n
	if p>>ringBits == len(r.chunks) {
		c := r.spare
		if c == nil {
			c = make([]record, ringSize)
		}
		r.spare = nil
		r.chunks = append(r.chunks, c)
	}
	r.chunks[p>>ringBits][p&ringMask] = rec
	r.n++
}

func (r *ring) oldest() *record { return &r.chunks[0][r.head] }

func (r *ring) pop() {
	r.chunks[0][r.head] = record{}
	r.head++
	r.base++
	r.n--
	switch {
	case r.n == 0:
		if r.spare == nil {
			r.spare = r.chunks[0]
		}
		clear(r.chunks)
		r.chunks = r.chunks[:0]
		r.head = 0
	case r.head == ringSize:
		r.spare = r.chunks[0]
		n := copy(r.chunks, r.chunks[1:])
		r.chunks[n] = nil
		r.chunks = r.chunks[:n]
		r.head = 0
	}
}

// each calls fn with every record, oldest first.
func (r *ring) each(fn func(*record)) {
	for i := range r.n {
		p := r.head + i
		fn(&r.chunks[p>>ringBits][p&ringMask])
	}
}

func (r *ring) bytes() int {
	n := len(r.chunks)
	if r.spare != nil {
		n++
	}
	return n * ringSize * int(unsafe.Sizeof(record{}))
}
