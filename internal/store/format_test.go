package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

var testLimits = blockLimits{blockBytes: defaultBlockBytes, maxBytes: defaultMaxBlockBytes}

// encodeBlocks encodes evs as the writer would and returns each block's
// metadata (ids from 1) and data.
func encodeBlocks(t testing.TB, l blockLimits, evs ...*event.Event) ([]blockMeta, [][]byte) {
	t.Helper()
	b := newBlockBuilder(l)
	if dropped := b.build(evs); dropped != 0 {
		t.Fatalf("build dropped %d events", dropped)
	}
	var metas []blockMeta
	var datas [][]byte
	for i, blk := range b.blocks {
		metas = append(metas, blockMeta{id: int64(i + 1), format: formatV1, firstTime: blk.first, lastTime: blk.last, events: blk.events})
		datas = append(datas, bytes.Clone(b.comp[blk.data[0]:blk.data[1]]))
	}
	return metas, datas
}

// decodeBlock decodes a block with no filter and no limit but maxBytes.
func decodeBlock(m blockMeta, data []byte, maxBytes int) (*decodedBlock, error) {
	return new(decoder).decode(m, data, maxBytes, nil)
}

// decodeAll returns every event of d, oldest first.
func decodeAll(d *decodedBlock) []event.Event {
	var out []event.Event
	var v recordView
	for i := range d.starts {
		d.view(i, &v)
		out = append(out, d.event(i, &v))
	}
	return out
}

func TestBlockRoundTrip(t *testing.T) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 1, time.UTC)
	weird := event.Event{
		Time:             base.Add(time.Nanosecond),
		ID:               event.UUID{0xff, 0, 0xff},
		Collected:        255,
		Transport:        0,
		Source:           netip.MustParseAddrPort("[fe80::1%eth0]:1"),
		Destination:      netip.AddrPortFrom(netip.Addr{}, 7),
		Method:           "\x00\xff",
		CalledNumberNorm: "\xc3\x28",
		Raw:              strings.Repeat("\x00", 300),
		RawTruncated:     true,
	}
	var evs []*event.Event
	for i := range 100 {
		evs = append(evs, probe(base.Add(time.Duration(i)*time.Millisecond), src, "100"))
	}
	evs = append(evs, &weird)
	// Out of order: the builder sorts, stably.
	evs[3].Time, evs[4].Time = evs[4].Time, evs[3].Time
	same := *evs[10]
	same.CallID = "same nanosecond"
	evs = append(evs, &same)

	want := make([]event.Event, len(evs))
	for i, e := range evs {
		want[i] = *e
	}
	metas, datas := encodeBlocks(t, testLimits, evs...)
	if len(metas) != 1 {
		t.Fatalf("%d blocks, want 1", len(metas))
	}
	d, err := decodeBlock(metas[0], datas[0], testLimits.maxBytes)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeAll(d)
	// The builder sorted evs in place, stably: that is the stored order.
	for i, e := range evs {
		if !reflect.DeepEqual(got[i], *e) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], *e)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time.Before(got[i-1].Time) {
			t.Fatalf("event %d is older than event %d", i, i-1)
		}
	}
	if got[11].CallID != "same nanosecond" && got[12].CallID != "same nanosecond" {
		t.Errorf("equal times lost their order")
	}
	t.Logf("%d events: %d bytes compressed, %.1f per event", len(got), len(datas[0]), float64(len(datas[0]))/float64(len(got)))
}

func TestBlockSplit(t *testing.T) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		limits blockLimits
		times  []time.Duration
		want   []int64 // events per block
	}{
		{name: "one block", limits: testLimits, times: []time.Duration{0, time.Second, 59 * time.Second}, want: []int64{3}},
		{name: "span", limits: testLimits, times: []time.Duration{0, time.Second, time.Minute + 1, time.Hour}, want: []int64{2, 1, 1}},
		{name: "bytes", limits: blockLimits{blockBytes: 2 * maxRecordBytes(probe(base, src, "100")), maxBytes: 1 << 20}, times: make([]time.Duration, 7), want: []int64{2, 2, 2, 1}},
		{name: "far apart", limits: testLimits, times: []time.Duration{-200 * 365 * 24 * time.Hour, 200 * 365 * 24 * time.Hour}, want: []int64{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var evs []*event.Event
			for _, d := range tt.times {
				evs = append(evs, probe(base.Add(d), src, "100"))
			}
			metas, datas := encodeBlocks(t, tt.limits, evs...)
			var got []int64
			var all []event.Event
			for i, m := range metas {
				got = append(got, m.events)
				d, err := decodeBlock(m, datas[i], tt.limits.maxBytes)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, decodeAll(d)...)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events per block %v, want %v", got, tt.want)
			}
			for i, e := range evs {
				if !reflect.DeepEqual(all[i], *e) {
					t.Errorf("event %d changed", i)
				}
			}
		})
	}

	t.Run("too large is dropped", func(t *testing.T) {
		big := probe(base, src, "100")
		big.Raw = strings.Repeat("x", 5000)
		b := newBlockBuilder(blockLimits{blockBytes: 1 << 20, maxBytes: 4096})
		if dropped := b.build([]*event.Event{probe(base, src, "100"), big, probe(base, src, "100")}); dropped != 1 {
			t.Errorf("dropped %d events, want 1", dropped)
		}
		if len(b.blocks) != 1 || b.blocks[0].events != 2 {
			t.Errorf("blocks %+v, want one of 2 events", b.blocks)
		}
	})
}

// payloadOf returns the uncompressed payload of a block.
func payloadOf(t *testing.T, data []byte) []byte {
	t.Helper()
	p, err := s2.Decode(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeBlockCorrupt(t *testing.T) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	metas, datas := encodeBlocks(t, testLimits, probe(base, src, "100"), probe(base.Add(time.Second), src, "100"))
	good, data := metas[0], datas[0]
	good.id = 42
	p := payloadOf(t, data)
	withPayload := func(f func([]byte) []byte) []byte {
		return s2.Encode(nil, f(bytes.Clone(p)))
	}
	tests := []struct {
		name string
		meta func(m *blockMeta)
		data []byte
		want string
	}{
		{name: "unknown format", meta: func(m *blockMeta) { m.format = 2 }, data: data, want: "unknown format 2"},
		{name: "not s2", data: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, want: "s2"},
		{name: "empty", data: nil, want: "s2"},
		{name: "s2 body broken", data: data[:len(data)/2], want: "s2"},
		{name: "too large", data: s2.Encode(nil, make([]byte, 5000)), meta: func(m *blockMeta) {}, want: "more than 4096"},
		{name: "no events", meta: func(m *blockMeta) { m.events = 0 }, data: data, want: "0 events"},
		{name: "more events than bytes allow", meta: func(m *blockMeta) { m.events = 1 << 40 }, data: data, want: "events in"},
		{name: "one event missing", meta: func(m *blockMeta) { m.events = 3 }, data: data, want: "record 2"},
		{name: "one event too many", meta: func(m *blockMeta) { m.events = 1 }, data: data, want: "bytes after the last record"},
		{name: "truncated", data: withPayload(func(b []byte) []byte { return b[:len(b)-1] }), want: "goes beyond the end"},
		{name: "time after last_time", meta: func(m *blockMeta) { m.lastTime-- }, data: data, want: "time is after the block's last_time"},
		{name: "last_time before first_time", meta: func(m *blockMeta) { m.lastTime = m.firstTime - 1 }, data: data, want: "last_time before first_time"},
		{name: "first_time not the first event", meta: func(m *blockMeta) { m.firstTime-- }, data: data, want: "do not match"},
		{name: "last_time not the last event", meta: func(m *blockMeta) { m.lastTime++ }, data: data, want: "do not match"},
		{name: "bad family", data: withPayload(func(b []byte) []byte { b[1+32+2] = 5; return b }), want: "source has family 5"},
		{name: "unknown flag", data: withPayload(func(b []byte) []byte { b[len(b)-1] = 2; return b }), want: "flags has unknown bits"},
		{name: "huge string", data: withPayload(func(b []byte) []byte {
			// the method's length: after time, uuids, codes and two IPv4 addresses
			i := 1 + 32 + 2 + 7 + 7
			return append(append(b[:i:i], binary.AppendUvarint(nil, 1<<62)...), b[i+1:]...)
		}), want: "goes beyond the end"},
		{name: "bad varint", data: withPayload(func(b []byte) []byte {
			return append(bytes.Repeat([]byte{0xff}, 11), b...)
		}), want: "time is a bad varint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := good
			if tt.meta != nil {
				tt.meta(&m)
			}
			max := testLimits.maxBytes
			if tt.name == "too large" {
				max = 4096
			}
			_, err := decodeBlock(m, tt.data, max)
			if err == nil {
				t.Fatal("decodeBlock succeeded")
			}
			if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), "block 42: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decodeBlock = %v, want errCorrupt naming block 42 and %q", err, tt.want)
			}
		})
	}
}

// FuzzDecodeBlock feeds decodeBlock arbitrary blocks. It must not panic,
// and whatever it accepts must survive encoding again unchanged. With raw
// set, data is a payload that the target compresses first, so the fuzzer
// reaches the record parser rather than only s2's checks.
func FuzzDecodeBlock(f *testing.F) {
	base := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	weird := probe(base.Add(time.Second), netip.MustParseAddrPort("[fe80::1%eth0]:1"), "\x00\xff")
	weird.Destination = netip.MustParseAddrPort("[::ffff:192.0.2.1]:5060")
	weird.RawTruncated = true
	metas, datas := encodeBlocks(f, testLimits, probe(base, src, "100"), weird)
	m := metas[0]
	p, err := s2.Decode(nil, datas[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(datas[0], false, m.events, m.firstTime, m.lastTime)
	f.Add(p, true, m.events, m.firstTime, m.lastTime)
	f.Add(p[:len(p)/2], true, int64(1), m.firstTime, m.firstTime)
	f.Fuzz(func(t *testing.T, data []byte, raw bool, events, first, last int64) {
		if raw {
			data = s2.Encode(nil, data)
		}
		m := blockMeta{id: 1, format: formatV1, firstTime: first, lastTime: last, events: events}
		d, err := decodeBlock(m, data, 1<<20)
		if err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v does not wrap errCorrupt", err)
			}
			return
		}
		got := decodeAll(d)
		evs := make([]*event.Event, len(got))
		for i := range got {
			evs[i] = &got[i]
		}
		metas, datas := encodeBlocks(t, blockLimits{blockBytes: 1 << 20, maxBytes: 1 << 20}, evs...)
		var again []event.Event
		for i, m := range metas {
			d, err := decodeBlock(m, datas[i], 1<<20)
			if err != nil {
				t.Fatalf("re-encoded block does not decode: %v", err)
			}
			again = append(again, decodeAll(d)...)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("events changed through encoding:\n got %+v\nwant %+v", again, got)
		}
	})
}
