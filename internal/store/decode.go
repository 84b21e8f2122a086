package store

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// blockMeta is what a blocks row says about its data.
type blockMeta struct {
	id        int64
	format    int64
	firstTime int64
	lastTime  int64
	events    int64
}

// decodeBuffers are the memory of one decoded block, reused through a
// pool: a first page by IP or number may decode a few dozen 4 MiB blocks,
// and zeroing fresh buffers for each measured 40 % of such a query.
type decodeBuffers struct {
	payload []byte
	starts  []int32
	times   []int64
	matches []int32
}

// decodedBlock is a block's payload with the position and time of each of
// its records, oldest first, and the records that matched the filter it
// was decoded with.
type decodedBlock struct {
	meta blockMeta
	*decodeBuffers
}

// decoder decodes blocks into pooled buffers. It is safe for concurrent
// use.
type decoder struct {
	pool sync.Pool // of *decodeBuffers
}

// decode decompresses data and checks every record, noting those that f
// matches (every one for a nil f). The payload may be at most maxBytes
// long, so a corrupt length cannot make it allocate more. Errors name the
// block. Give the block back with release once done with it and anything
// that points into its payload.
func (dc *decoder) decode(m blockMeta, data []byte, maxBytes int, f *filter) (*decodedBlock, error) {
	bufs, _ := dc.pool.Get().(*decodeBuffers)
	if bufs == nil {
		bufs = new(decodeBuffers)
	}
	d := &decodedBlock{meta: m, decodeBuffers: bufs}
	if err := d.decode(data, maxBytes, f); err != nil {
		dc.release(d)
		return nil, fmt.Errorf("block %d: %w", m.id, err)
	}
	return d, nil
}

// release returns d's buffers to the pool; d must not be used after.
func (dc *decoder) release(d *decodedBlock) {
	if d.decodeBuffers != nil {
		dc.pool.Put(d.decodeBuffers)
		d.decodeBuffers = nil
	}
}

func (d *decodedBlock) decode(data []byte, maxBytes int, f *filter) error {
	m := d.meta
	if m.format != formatV1 {
		return fmt.Errorf("%w: unknown format %d", errCorrupt, m.format)
	}
	if m.lastTime < m.firstTime {
		return fmt.Errorf("%w: last_time before first_time", errCorrupt)
	}
	n, err := s2.DecodedLen(data)
	if err != nil {
		return fmt.Errorf("%w: %w", errCorrupt, err)
	}
	if n > maxBytes {
		return fmt.Errorf("%w: %d bytes decoded, more than %d", errCorrupt, n, maxBytes)
	}
	if m.events < 1 || m.events > int64(n/minRecordBytes) {
		return fmt.Errorf("%w: %d events in %d bytes", errCorrupt, m.events, n)
	}
	p, err := s2.Decode(d.payload[:cap(d.payload)], data)
	if err != nil {
		return fmt.Errorf("%w: %w", errCorrupt, err)
	}
	d.payload = p
	d.starts = resize(d.starts, int(m.events))
	d.times = resize(d.times, int(m.events))
	d.matches = d.matches[:0]
	r := recordReader{p: d.payload}
	var v recordView
	prev := m.firstTime
	for i := range d.starts {
		d.starts[i] = int32(r.pos)
		r.next(&v, prev, m.lastTime)
		if r.err != nil {
			return fmt.Errorf("record %d: %w", i, r.err)
		}
		d.times[i] = v.time
		prev = v.time
		if f == nil || f.match(d, i, &v) {
			d.matches = append(d.matches, int32(i))
		}
	}
	switch {
	case r.pos != len(d.payload):
		return fmt.Errorf("%w: %d bytes after the last record", errCorrupt, len(d.payload)-r.pos)
	case d.times[0] != m.firstTime || prev != m.lastTime:
		return fmt.Errorf("%w: record times do not match first_time and last_time", errCorrupt)
	}
	return nil
}

// resize returns s with length n, reusing its memory if it can.
func resize[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// view parses record i, which decode has already checked.
func (d *decodedBlock) view(i int, v *recordView) {
	prev := d.meta.firstTime
	if i > 0 {
		prev = d.times[i-1]
	}
	r := recordReader{p: d.payload, pos: int(d.starts[i])}
	r.next(v, prev, d.meta.lastTime)
}

// str returns string field f of v as bytes, without copying.
func (d *decodedBlock) str(v *recordView, f int) []byte {
	s := v.str[f]
	return d.payload[s.off:s.end]
}

// event builds record i's event. Its strings share one allocation, a copy
// of the record: an event keeps only its own bytes alive, not the block's,
// which goes back to the pool.
func (d *decodedBlock) event(i int, v *recordView) event.Event {
	return d.build(i, v, true)
}

// eventWithoutRaw is [decodedBlock.event] without Raw, copying only the
// bytes before it: the raw message is most of a record.
func (d *decodedBlock) eventWithoutRaw(i int, v *recordView) event.Event {
	return d.build(i, v, false)
}

func (d *decodedBlock) build(i int, v *recordView, withRaw bool) event.Event {
	start := d.starts[i]
	end := int32(len(d.payload))
	if !withRaw {
		end = v.str[strRaw].off
	} else if i+1 < len(d.starts) {
		end = d.starts[i+1]
	}
	rec := string(d.payload[start:end])
	s := func(f int) string { return rec[v.str[f].off-start : v.str[f].end-start] }
	e := event.Event{
		Time:             unixTime(v.time),
		ID:               v.id,
		NodeID:           v.node,
		Collected:        v.collected,
		Transport:        v.transport,
		Source:           v.source,
		Destination:      v.dest,
		Method:           s(strMethod),
		RequestURI:       s(strRequestURI),
		CalledNumber:     s(strCalledNumber),
		CalledNumberNorm: s(strCalledNumberNorm),
		From:             s(strFrom),
		To:               s(strTo),
		CallID:           s(strCallID),
		CSeq:             s(strCSeq),
		UserAgent:        s(strUserAgent),
		Contact:          s(strContact),
		Via:              s(strVia),
		RawTruncated:     v.rawTruncated,
	}
	if withRaw {
		e.Raw, e.ParseError = s(strRaw), s(strParseError)
	} else {
		e.ParseError = string(d.str(v, strParseError))
	}
	return e
}
