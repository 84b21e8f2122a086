package index

// slab is a growable array of T kept in fixed-size chunks. It grows a
// chunk at a time, never copying what it holds (no doubling spike), and
// its memory is exactly its chunks. T holds no pointers, so the garbage
// collector has nothing to scan in it.
type slab[T any] struct {
	chunks [][]T
	n      uint32 // elements in use: ids 0..n-1
}

const (
	slabBits = 12
	slabSize = 1 << slabBits
	slabMask = slabSize - 1
)

func (s *slab[T]) at(i uint32) *T { return &s.chunks[i>>slabBits][i&slabMask] }

// push appends a zero element and returns its index.
func (s *slab[T]) push() uint32 {
	if int(s.n>>slabBits) == len(s.chunks) {
		s.chunks = append(s.chunks, make([]T, slabSize))
	}
	s.n++
	return s.n - 1
}

// truncate keeps the first n elements and frees the chunks past them.
func (s *slab[T]) truncate(n uint32) {
	keep := int((n + slabMask) >> slabBits)
	clear(s.chunks[keep:])
	s.chunks = s.chunks[:keep]
	if keep > 0 && n&slabMask != 0 {
		clear(s.chunks[keep-1][n&slabMask:])
	}
	s.n = n
}

// chunkCount is how many chunks the slab holds.
func (s *slab[T]) chunkCount() int { return len(s.chunks) }
