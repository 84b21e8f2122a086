package store

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// Default block limits; see [blockLimits].
const (
	// defaultBlockBytes: 8 MiB holds a full batch (10,000) of typical
	// probes, whose records are 500–800 bytes. Smaller blocks add lookup
	// rows, one per distinct key per block: 4 MiB cost 25 % more CPU per
	// event with 1000 sources × 1000 numbers. Larger ones make an
	// unfiltered first page decompress more (8 MiB: ~3 ms).
	defaultBlockBytes = 8 << 20
	// defaultMaxBlockBytes leaves room for one record of any size the
	// listeners let through (a few hundred KiB at most).
	defaultMaxBlockBytes = 64 << 20
	// maxBlockSpan bounds last_time − first_time of a block. Queries rely
	// on it to seek by time: a block holding an event older than t has
	// last_time < t + maxBlockSpan. It is above the largest FlushInterval
	// the daemon accepts (10 s), so only backlogs and clock steps split.
	maxBlockSpan = int64(time.Minute)
)

// blockLimits size blocks. The writer starts a new block before a record
// would take the payload past blockBytes; readers refuse payloads larger
// than maxBytes, and the writer drops (and counts lost) the rare event whose
// record alone would exceed it.
type blockLimits struct {
	blockBytes int
	maxBytes   int
}

// keyRow is one row of block_source_ips or block_called_numbers.
type keyRow struct {
	key    string
	events int64
	last   int64 // newest time of the key in the block
}

// builtBlock is one encoded block; its ranges index the builder's arenas.
type builtBlock struct {
	first, last  int64
	events       int64
	data         [2]int // comp[data[0]:data[1]]
	ips, numbers [2]int // ipRows[ips[0]:ips[1]], numRows[...]
}

// blockBuilder turns a batch into encoded blocks. It belongs to the writer
// goroutine and keeps its buffers from batch to batch.
type blockBuilder struct {
	limits blockLimits

	payload []byte
	comp    []byte
	// The current block's keys, each at its index in ipRows or numRows.
	ipIndex  map[netip.Addr]int
	numIndex map[string]int
	ipRows   []keyRow
	numRows  []keyRow
	blocks   []builtBlock

	cur  builtBlock
	prev int64
}

func newBlockBuilder(l blockLimits) *blockBuilder {
	return &blockBuilder{
		limits:   l,
		ipIndex:  make(map[netip.Addr]int),
		numIndex: make(map[string]int),
	}
}

// build encodes batch, which it sorts by time, into b.blocks and returns
// how many events it dropped for being too large. The key rows refer to the
// events' strings: keep the batch until the blocks are written.
func (b *blockBuilder) build(batch []*event.Event) (dropped int) {
	// Listeners stamp and publish concurrently, so a batch is nearly but not
	// always in time order; blocks must be.
	byTime := func(x, y *event.Event) int { return x.Time.Compare(y.Time) }
	if !slices.IsSortedFunc(batch, byTime) {
		slices.SortStableFunc(batch, byTime)
	}
	b.blocks = b.blocks[:0]
	b.comp = b.comp[:0]
	b.ipRows = b.ipRows[:0]
	b.numRows = b.numRows[:0]
	b.cur = builtBlock{}
	b.payload = b.payload[:0]
	for _, e := range batch {
		size := maxRecordBytes(e)
		if size > b.limits.maxBytes {
			dropped++
			continue
		}
		t := e.Time.UnixNano()
		if b.cur.events > 0 && (len(b.payload)+size > b.limits.blockBytes ||
			uint64(t)-uint64(b.cur.first) > uint64(maxBlockSpan)) {
			b.finish()
		}
		if b.cur.events == 0 {
			b.cur.first, b.prev = t, t
			b.cur.ips[0], b.cur.numbers[0] = len(b.ipRows), len(b.numRows)
		}
		b.payload = appendRecord(b.payload, e, b.prev)
		b.prev, b.cur.last = t, t
		b.cur.events++
		if a := e.Source.Addr(); a.IsValid() {
			if i, ok := b.ipIndex[a]; ok {
				b.ipRows[i].events++
				b.ipRows[i].last = t
			} else {
				b.ipIndex[a] = len(b.ipRows)
				b.ipRows = append(b.ipRows, keyRow{key: a.String(), events: 1, last: t})
			}
		}
		if n := e.CalledNumberNorm; n != "" {
			if i, ok := b.numIndex[n]; ok {
				b.numRows[i].events++
				b.numRows[i].last = t
			} else {
				b.numIndex[n] = len(b.numRows)
				b.numRows = append(b.numRows, keyRow{key: n, events: 1, last: t})
			}
		}
	}
	if b.cur.events > 0 {
		b.finish()
	}
	return dropped
}

// finish compresses the current block and sorts its key rows, so that the
// index inserts walk the B-tree in order. They are in order of first
// appearance, often sorted already (sipp counts numbers up).
func (b *blockBuilder) finish() {
	c := &b.cur
	need := s2.MaxEncodedLen(len(b.payload))
	b.comp = slices.Grow(b.comp, need)
	n := len(b.comp)
	out := s2.Encode(b.comp[n:n+need], b.payload)
	b.comp = b.comp[:n+len(out)]
	c.data = [2]int{n, len(b.comp)}

	c.ips[1], c.numbers[1] = len(b.ipRows), len(b.numRows)
	sortKeys(b.ipRows[c.ips[0]:c.ips[1]])
	sortKeys(b.numRows[c.numbers[0]:c.numbers[1]])
	clear(b.ipIndex)
	clear(b.numIndex)
	b.blocks = append(b.blocks, *c)
	b.cur = builtBlock{}
	b.payload = b.payload[:0]
}

func sortKeys(rows []keyRow) {
	slices.SortFunc(rows, func(x, y keyRow) int { return strings.Compare(x.key, y.key) })
}

// release drops what the last batch referred to, and buffers grown far
// beyond the usual by an unusual batch.
func (b *blockBuilder) release() {
	clear(b.ipRows)
	clear(b.numRows)
	if cap(b.comp) > 2*b.limits.blockBytes {
		b.comp = nil
	}
	if cap(b.payload) > 2*b.limits.blockBytes {
		b.payload = nil
	}
}
