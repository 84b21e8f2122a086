package responder

import (
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func BenchmarkAnswer(b *testing.B) {
	r := newTest(Config{})
	for _, bc := range []struct {
		name string
		raw  string
		tr   event.Transport
	}{
		{"OPTIONS", svmapOptions, event.UDP},
		{"OPTIONS/TCP", svmapOptions, event.TCP},
		{"REGISTER-401-reduced", svcrackRegister, event.UDP},
		{"REGISTER-404", svwarBaseline, event.UDP},
		{"INVITE", fraudInvite, event.UDP},
	} {
		m := parse(b, bc.raw)
		size := len(crlf(bc.raw))
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var out [][]byte
			for b.Loop() {
				out = r.Answer(m, testSrc, bc.tr, size, out[:0])
			}
			if len(out) == 0 {
				b.Fatal("no answer")
			}
		})
	}
	b.Run("OPTIONS/parallel", func(b *testing.B) {
		m := parse(b, svmapOptions)
		size := len(crlf(svmapOptions))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var out [][]byte
			for pb.Next() {
				out = r.Answer(m, testSrc, event.UDP, size, out[:0])
			}
		})
	})
}
