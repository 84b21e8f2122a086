package integration

import (
	"testing"
	"time"
)

// TestFloodSmall is the CI-sized flood: sipp sends OPTIONS over UDP as fast
// as asked, and at least 99.9 % must be stored. The full-size benchmark is
// bench/flood/run.sh.
func TestFloodSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("flood test in -short mode")
	}
	const n, rate = 40000, 20000
	d := start(t, "")
	began := time.Now()
	sipp(t, d, "options.xml", "u1", n, rate)
	sent := time.Since(began)
	d.stop()
	stored := d.count()
	t.Logf("sent %d probes in %v (asked %d/s), stored %d (%.3f%%)", n, sent.Round(time.Millisecond), rate, stored, 100*float64(stored)/n)
	if stored*1000 < n*999 {
		t.Fatalf("stored %d of %d probes: below 99.9%%", stored, n)
	}
}
