package store

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// BenchmarkSaveDecisions writes a full set of number decisions, as the
// daemon does at exit after a flood of new numbers (sipp's numbers count
// up, but they reach the engine in the order its set keeps them).
func BenchmarkSaveDecisions(b *testing.B) {
	const n = 100_000
	now := time.Now()
	put := make([]decision.Decision, n)
	for i := range put {
		// A multiplicative hash spreads sipp's counting numbers the way
		// the engine's slots hand them back: not in key order.
		v := 1_000_000_000 + (uint64(i)*2654435761)%1_000_000_000
		put[i] = decision.Decision{Value: strconv.FormatUint(v, 10), Kind: decision.Number, Origin: decision.Local,
			Reporters: 1, Since: now, Until: now.Add(7 * 24 * time.Hour), Reason: "called in a probe"}
	}
	for b.Loop() {
		b.StopTimer()
		st := openTest(b, "", Config{})
		in := slices.Clone(put) // SaveDecisions sorts it
		b.StartTimer()
		if err := st.SaveDecisions(b.Context(), in, nil, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/decision")
}
