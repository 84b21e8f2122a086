package event

import "testing"

func TestUUIDSource(t *testing.T) {
	a, b := NewUUIDSource(), NewUUIDSource()
	seen := make(map[UUID]bool)
	for range 1000 {
		for _, u := range []UUID{a.New(), b.New()} {
			if u[6]>>4 != 4 || u[8]>>6 != 2 {
				t.Fatalf("%s is not a version 4 variant 1 UUID", u)
			}
			if seen[u] {
				t.Fatalf("%s repeated: two sources must not share a seed", u)
			}
			seen[u] = true
			if v, err := ParseUUID(u.String()); err != nil || v != u {
				t.Fatalf("ParseUUID(%s) = %s, %v", u, v, err)
			}
		}
	}
}

func BenchmarkUUIDSource(b *testing.B) {
	s := NewUUIDSource()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.New()
	}
}
