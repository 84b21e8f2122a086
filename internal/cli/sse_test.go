package cli

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []sseEvent
			err := readSSE(strings.NewReader(tt.in), func(e sseEvent) error { got = append(got, e); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadSSEStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := readSSE(strings.NewReader("data: 1\n\ndata: 2\n\n"), func(sseEvent) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d events, want stop after 1", err, n)
	}
}

func TestReadSSELineTooLong(t *testing.T) {
	err := readSSE(strings.NewReader("data: "+strings.Repeat("x", maxSSELine)+"\n\n"), func(sseEvent) error { return nil })
	if err == nil {
		t.Error("a line over the cap was accepted")
	}
}

func FuzzReadSSE(f *testing.F) {
	f.Add("event: probe\nid: 1\ndata: {}\n\n: c\n\n")
	f.Add("data:\r\ndata\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		readSSE(strings.NewReader(s), func(e sseEvent) error {
			if e.Type == "" {
				t.Fatalf("event with no type from %q", s)
			}
			return nil
		})
	})
}

func BenchmarkReadSSE(b *testing.B) {
	ev := "event: probe\nid: 0192f0c4-7d2a-7b1e-9c3f-1a2b3c4d5e6f\ndata: " + string(fakeEvents()[1]) + "\n\n"
	in := strings.Repeat(ev, 100)
	b.ReportAllocs()
	for b.Loop() {
		readSSE(strings.NewReader(in), func(sseEvent) error { return nil })
	}
}
