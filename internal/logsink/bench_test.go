package logsink

import (
	"bytes"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// junkEvent is a probe of binary junk: most bytes need escaping.
func junkEvent() *event.Event {
	e := testEvent(1)
	rng := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, 1024)
	for i := range raw {
		raw[i] = byte(rng.UintN(256))
	}
	e.Raw, e.ParseError = string(raw), "sip: no start line"
	return e
}

func BenchmarkJSONEncode(b *testing.B) {
	for _, bc := range []struct {
		name string
		e    *event.Event
	}{
		{"sipvicious", testEvent(1)},
		{"junk", junkEvent()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var stamps stampCache // as the sink has
			buf := appendEvent(nil, bc.e, &testInfo, &stamps)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				buf = appendEvent(buf[:0], bc.e, &testInfo, &stamps)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
		})
	}
	b.Run("sipvicious-parallel", func(b *testing.B) {
		e := testEvent(1)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var (
				buf    []byte
				stamps stampCache
			)
			for pb.Next() {
				buf = appendEvent(buf[:0], e, &testInfo, &stamps)
			}
		})
	})
}

// BenchmarkJSONSink measures the whole sink: events through a queue, Run
// encoding and writing them to a file. lines/s includes draining the queue.
func BenchmarkJSONSink(b *testing.B) {
	for _, bc := range []struct {
		name string
		e    *event.Event
	}{
		{"sipvicious", testEvent(1)},
		{"junk", junkEvent()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.json")
			j, err := OpenJSON(path, testInfo, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			events := event.NewQueue(4096)
			done := make(chan error, 1)
			b.SetBytes(int64(len(appendEvent(nil, bc.e, &testInfo, nil))))
			b.ReportAllocs()
			start := time.Now()
			go func() { done <- j.Run(b.Context(), events) }()
			for b.Loop() {
				put(b, events, bc.e)
			}
			events.Close()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
			if s := j.Stats(); s.Written != uint64(b.N) || s.Failed != 0 {
				b.Fatalf("Stats = %+v after %d events", s, b.N)
			}
		})
	}
}

func BenchmarkSyslogLine(b *testing.B) {
	e := testEvent(1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendSyslogLine(buf[:0], e)
	}
}

// BenchmarkFileWrite writes 64 MiB to a file in the temporary directory in
// pieces of the JSON log's sizes: what a write costs ext4 on top of its
// bytes (compare ns/op over the size), which is why the log waits a little
// before writing a few lines on their own.
func BenchmarkFileWrite(b *testing.B) {
	for _, size := range []int{15 << 10, flushSize} {
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			f, err := openAppend(filepath.Join(b.TempDir(), "x.json")) // as the log opens its file
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			buf := bytes.Repeat([]byte{'a'}, size)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				if i%(64<<20/size) == 0 {
					// Start again from empty, so that the file stays small.
					if err := f.Truncate(0); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
