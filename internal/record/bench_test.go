package record

import (
	"testing"
)

func BenchmarkMarshal(b *testing.B) {
	r := testRecord(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	enc, _ := Marshal(testRecord(b))
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := Unmarshal(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	r := testRecord(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(r, testNow, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateRejectStale is the cost of refusing junk before the
// signature check.
func BenchmarkValidateRejectStale(b *testing.B) {
	r := testRecord(b)
	r.FirstSeen = r.FirstSeen.Add(-30 * DefaultMaxAge)
	r.LastSeen = r.FirstSeen
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(r, testNow, Limits{}); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	r := testRecord(b)
	key := testKey(1)
	b.ReportAllocs()
	for b.Loop() {
		r.Sign(key)
	}
}

func BenchmarkValidateParallel(b *testing.B) {
	r := testRecord(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := Validate(r, testNow, Limits{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
