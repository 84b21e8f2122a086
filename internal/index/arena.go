package index

// arena holds the bytes of a table's keys in pointer-free chunks, so that a
// million keys are a few dozen allocations the collector never scans. A
// key is named by its offset (chunk<<arenaBits | position) and length; it
// never spans chunks. Freed bytes are counted, and the table rewrites its
// keys into a fresh arena once a quarter are garbage.
type arena struct {
	chunks  [][]byte
	used    int // bytes written in the last chunk
	garbage int // bytes of freed keys
}

const (
	arenaBits = 16
	arenaSize = 1 << arenaBits
	maxKeyLen = 255 // lengths are one byte; normalised numbers are at most 64
)

// add stores k (at most maxKeyLen bytes) and returns its offset.
func (a *arena) add(k []byte) uint32 {
	if len(a.chunks) == 0 || a.used+len(k) > arenaSize {
		a.chunks = append(a.chunks, make([]byte, arenaSize))
		a.used = 0
	}
	c := len(a.chunks) - 1
	off := a.used
	a.used += copy(a.chunks[c][off:], k)
	return uint32(c)<<arenaBits | uint32(off)
}

func (a *arena) get(off uint32, n uint8) []byte {
	return a.chunks[off>>arenaBits][off&(arenaSize-1):][:n]
}

func (a *arena) free(n uint8) { a.garbage += int(n) }

func (a *arena) bytes() int { return len(a.chunks) * arenaSize }

// wasteful reports whether a rewrite would free at least a chunk and a
// quarter of what is held.
func (a *arena) wasteful() bool {
	return a.garbage >= arenaSize && 4*a.garbage > a.bytes()
}
