package apiclient

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readAll returns every event of the stream s, and the error that ended
// it (nil for io.EOF).
func readAll(s string) ([]sseEvent, error) {
	r := newSSEReader(strings.NewReader(s))
	var out []sseEvent
	for {
		ev, err := r.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestReadSSE(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []sseEvent
	}{
		{
			name: "probe events and a keep-alive",
			in:   ": keep-alive\n\nevent: probe\nid: 1\ndata: {\"a\":1}\n\nevent: probe\nid: 2\ndata: {}\n\n",
			want: []sseEvent{{Type: "probe", ID: "1", Data: []byte(`{"a":1}`)}, {Type: "probe", ID: "2", Data: []byte(`{}`)}},
		},
		{
			name: "data lines are joined",
			in:   "data: {\ndata:\"a\": 1\ndata: }\n\n",
			want: []sseEvent{{Type: "message", Data: []byte("{\n\"a\": 1\n}")}},
		},
		{
			name: "CRLF",
			in:   "event: probe\r\ndata: x\r\n\r\n",
			want: []sseEvent{{Type: "probe", Data: []byte("x")}},
		},
		{
			name: "only one leading space is dropped",
			in:   "data:  two\n\n",
			want: []sseEvent{{Type: "message", Data: []byte(" two")}},
		},
		{
			name: "no data, no event; unknown fields ignored",
			in:   "event: probe\nid: 1\nretry: 10\n\nfoo\n\n",
			want: nil,
		},
		{
			name: "an event without its blank line is dropped",
			in:   "data: 1\n\ndata: 2\n",
			want: []sseEvent{{Type: "message", Data: []byte("1")}},
		},
		{
			name: "fields of an event without data do not leak into the next",
			in:   "event: dropped\nid: 9\n\ndata: x\n\n",
			want: []sseEvent{{Type: "message", Data: []byte("x")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadSSELineTooLong(t *testing.T) {
	if _, err := readAll("data: " + strings.Repeat("x", maxSSELine) + "\n\n"); err == nil {
		t.Error("a line over the cap was accepted")
	}
}

func FuzzReadSSE(f *testing.F) {
	f.Add("event: probe\nid: 1\ndata: {}\n\n: c\n\n")
	f.Add("data:\r\ndata\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		evs, _ := readAll(s)
		for _, e := range evs {
			if e.Type == "" {
				t.Fatalf("event with no type from %q", s)
			}
		}
	})
}

func BenchmarkReadSSE(b *testing.B) {
	ev := "event: probe\nid: 0192f0c4-7d2a-7b1e-9c3f-1a2b3c4d5e6f\ndata: {\"id\":\"0192f0c4-7d2a-7b1e-9c3f-1a2b3c4d5e6f\",\"method\":\"OPTIONS\",\"user_agent\":\"sipcli/v1.8\"}\n\n"
	in := strings.Repeat(ev, 100)
	b.ReportAllocs()
	for b.Loop() {
		readAll(in)
	}
}
