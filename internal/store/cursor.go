package store

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// Cursor is a position in the order [Store.Page] returns events: newest
// first, then by block, then by place in the block. It is exact: a page
// that starts after a cursor neither repeats nor skips an event, however
// many share a nanosecond. The zero Cursor is "from the start".
type Cursor struct {
	time   int64
	block  int64
	record int32
	set    bool
}

// IsZero reports whether c is the zero Cursor.
func (c Cursor) IsZero() bool { return !c.set }

// before reports whether the event at (t, block, record) comes after c in
// the order of a page, i.e. is older.
func (c Cursor) before(t, block int64, record int32) bool {
	switch {
	case t != c.time:
		return t < c.time
	case block != c.block:
		return block < c.block
	}
	return record < c.record
}

// String encodes c for a client to hand back; the text is opaque.
func (c Cursor) String() string {
	if !c.set {
		return ""
	}
	b := binary.AppendVarint(nil, c.time)
	b = binary.AppendUvarint(b, uint64(c.block))
	b = binary.AppendUvarint(b, uint64(c.record))
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrBadCursor is returned by [ParseCursor] for text that no Cursor
// encodes to.
var ErrBadCursor = errors.New("store: malformed cursor")

// ParseCursor decodes what [Cursor.String] returned; "" is the zero Cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 3*binary.MaxVarintLen64 {
		return Cursor{}, ErrBadCursor
	}
	t, n := binary.Varint(b)
	if n <= 0 {
		return Cursor{}, ErrBadCursor
	}
	b = b[n:]
	block, n := binary.Uvarint(b)
	if n <= 0 || block > 1<<62 {
		return Cursor{}, ErrBadCursor
	}
	b = b[n:]
	rec, n := binary.Uvarint(b)
	if n <= 0 || n != len(b) || rec > 1<<31-1 {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{time: t, block: int64(block), record: int32(rec), set: true}, nil
}
