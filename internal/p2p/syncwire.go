package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

// The sync protocol, version 1. The requester opens a stream and writes
//
//	version   1 byte, 1
//	after     uvarint: the last sequence it has from this peer (0: none)
//	limit     uvarint: the most records it wants (1..maxSyncLimit)
//
// and closes its side. The server answers with a status byte; after
// statusOK come records, each as a uvarint length (1..record.MaxEncodedSize)
// and that many bytes of [record.Marshal] output, then a zero length, the
// new cursor as 8 bytes big-endian and a flags byte (flagMore: the server
// had limit records to offer, so there may be more). The requester's next
// request starts after that cursor. The server may skip records (stale
// ones), so fewer than limit records does not mean the end.
const (
	syncVersion  = 1
	maxSyncLimit = 10000
	flagMore     = 1
)

// Status bytes of a sync response.
const (
	statusOK          byte = 0
	statusRefused     byte = 1 // requester has not contributed and is not trusted
	statusBusy        byte = 2 // too many syncs being served; retry later
	statusBadRequest  byte = 3
	statusUnavailable byte = 4 // no history here, or it failed
)

var (
	errSyncRefused = errors.New("p2p: sync refused: share records to receive history")
	errSyncBusy    = errors.New("p2p: sync refused: peer busy")
	errSyncBad     = errors.New("p2p: sync protocol error")
)

func statusErr(s byte) error {
	switch s {
	case statusOK:
		return nil
	case statusRefused:
		return errSyncRefused
	case statusBusy:
		return errSyncBusy
	case statusBadRequest:
		return fmt.Errorf("%w: peer says our request is bad", errSyncBad)
	case statusUnavailable:
		return errors.New("p2p: sync unavailable at peer")
	}
	return fmt.Errorf("%w: status %d", errSyncBad, s)
}

func appendRequest(b []byte, after uint64, limit int) []byte {
	b = append(b, syncVersion)
	b = binary.AppendUvarint(b, after)
	return binary.AppendUvarint(b, uint64(limit))
}

func readRequest(r io.ByteReader) (after uint64, limit int, err error) {
	v, err := r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	if v != syncVersion {
		return 0, 0, fmt.Errorf("%w: version %d", errSyncBad, v)
	}
	if after, err = binary.ReadUvarint(r); err != nil {
		return 0, 0, fmt.Errorf("%w: %w", errSyncBad, err)
	}
	l, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", errSyncBad, err)
	}
	if l == 0 || l > maxSyncLimit {
		return 0, 0, fmt.Errorf("%w: limit %d", errSyncBad, l)
	}
	return after, int(l), nil
}

func writeFrame(w *bufio.Writer, rec []byte) error {
	var n [binary.MaxVarintLen64]byte
	if _, err := w.Write(n[:binary.PutUvarint(n[:], uint64(len(rec)))]); err != nil {
		return err
	}
	_, err := w.Write(rec)
	return err
}

func writeEnd(w *bufio.Writer, cur uint64, more bool) error {
	var b [10]byte
	binary.BigEndian.PutUint64(b[1:], cur)
	if more {
		b[9] = flagMore
	}
	_, err := w.Write(b[:])
	return err
}

// frame is one element of a sync response: a record, or the end.
type frame struct {
	rec  []byte // a new slice: decoded records may keep pointing into it
	end  bool
	cur  uint64 // with end: the cursor to ask from next
	more bool   // with end: the server may have more after cur
}

// readFrame reads one record or the end of the response.
func readFrame(r *bufio.Reader) (frame, error) {
	l, err := binary.ReadUvarint(r)
	if err != nil {
		return frame{}, err
	}
	if l == 0 {
		var b [9]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return frame{}, err
		}
		return frame{end: true, cur: binary.BigEndian.Uint64(b[:8]), more: b[8]&flagMore != 0}, nil
	}
	if l > record.MaxEncodedSize {
		return frame{}, fmt.Errorf("%w: record of %d bytes", errSyncBad, l)
	}
	rec := make([]byte, l)
	if _, err := io.ReadFull(r, rec); err != nil {
		return frame{}, err
	}
	return frame{rec: rec}, nil
}
