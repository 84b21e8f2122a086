package p2p

import (
	"bufio"
	"bytes"
	"errors"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/record"
)

func TestSyncRequest(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		after   uint64
		limit   int
		wantErr bool
	}{
		{"round trip", appendRequest(nil, 123456789, 2000), 123456789, 2000, false},
		{"zero cursor", appendRequest(nil, 0, 1), 0, 1, false},
		{"largest limit", appendRequest(nil, 1<<63, maxSyncLimit), 1 << 63, maxSyncLimit, false},
		{"limit over the cap", appendRequest(nil, 0, maxSyncLimit+1), 0, 0, true},
		{"zero limit", appendRequest(nil, 5, 0), 0, 0, true},
		{"other version", append([]byte{2}, appendRequest(nil, 1, 1)[1:]...), 0, 0, true},
		{"truncated", appendRequest(nil, 1<<40, 10)[:3], 0, 0, true},
		{"empty", nil, 0, 0, true},
		{"overlong varint", append([]byte{1}, bytes.Repeat([]byte{0xff}, 11)...), 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after, limit, err := readRequest(bytes.NewReader(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tc.wantErr)
			}
			if err == nil && (after != tc.after || limit != tc.limit) {
				t.Errorf("got (%d, %d), want (%d, %d)", after, limit, tc.after, tc.limit)
			}
		})
	}
}

func TestSyncFrames(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	recs := [][]byte{{1}, bytes.Repeat([]byte{7}, record.MaxEncodedSize)}
	for _, r := range recs {
		if err := writeFrame(w, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeEnd(w, 42, true); err != nil {
		t.Fatal(err)
	}
	w.Flush()

	t.Run("round trip", func(t *testing.T) {
		r := bufio.NewReader(bytes.NewReader(buf.Bytes()))
		for i, want := range recs {
			f, err := readFrame(r)
			if err != nil || f.end || !bytes.Equal(f.rec, want) {
				t.Fatalf("frame %d: %d bytes, end %v, err %v", i, len(f.rec), f.end, err)
			}
		}
		f, err := readFrame(r)
		if err != nil || !f.end || f.cur != 42 || !f.more {
			t.Fatalf("end = %+v, err %v; want cursor 42 and more", f, err)
		}
	})
	t.Run("oversize record", func(t *testing.T) {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeFrame(w, make([]byte, record.MaxEncodedSize+1))
		w.Flush()
		if _, err := readFrame(bufio.NewReader(&b)); !errors.Is(err, errSyncBad) {
			t.Errorf("err = %v, want errSyncBad", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for cut := range buf.Len() - 1 {
			r := bufio.NewReader(bytes.NewReader(buf.Bytes()[:cut]))
			for {
				f, err := readFrame(r)
				if err != nil {
					break
				}
				if f.end {
					t.Fatalf("cut at %d: read an end marker", cut)
				}
			}
		}
	})
}

func TestStatusErr(t *testing.T) {
	tests := []struct {
		name   string
		status byte
		want   error
	}{
		{"ok", statusOK, nil},
		{"refused", statusRefused, errSyncRefused},
		{"busy", statusBusy, errSyncBusy},
		{"bad request", statusBadRequest, errSyncBad},
		{"unknown", 99, errSyncBad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := statusErr(tc.status); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("statusErr(%d) = %v, want %v", tc.status, err, tc.want)
			}
		})
	}
}

func FuzzSyncWire(f *testing.F) {
	f.Add(appendRequest(nil, 1, 10))
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	writeFrame(w, []byte("abc"))
	writeEnd(w, 9, false)
	w.Flush()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, limit, err := readRequest(bytes.NewReader(b)); err == nil && (limit < 1 || limit > maxSyncLimit) {
			t.Fatalf("accepted limit %d", limit)
		}
		r := bufio.NewReader(bytes.NewReader(b))
		for range 100 {
			f, err := readFrame(r)
			if err != nil || f.end {
				return
			}
			if len(f.rec) == 0 || len(f.rec) > record.MaxEncodedSize {
				t.Fatalf("frame of %d bytes", len(f.rec))
			}
		}
	})
}
