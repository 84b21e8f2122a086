package sip

import "testing"

func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, msg string }{
		{"options", sipviciousOptions},
		{"invite-sdp", tollFraudInvite},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.msg)))
			var m Message
			for b.Loop() {
				Parse(c.msg, &m)
			}
			if m.Err != nil {
				b.Fatal(m.Err)
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var m Message
			for i := 0; pb.Next(); i++ {
				Parse(cases[i&1].msg, &m)
			}
		})
	})
}

func BenchmarkNormaliseNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NormaliseNumber("sip:%2B44 (20) 7946-0958@h")
	}
}
