package main

import (
	"slices"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name string
		d    []time.Duration
		p    float64
		want time.Duration
	}{
		{"none", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p95 of 1..100", ms(hundred...), 95, 95 * time.Millisecond},
		{"max", ms(1, 2, 3), 100, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.d, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.d, tt.p, got, tt.want)
			}
		})
	}
}

func TestComputeLatencies(t *testing.T) {
	sent := map[string]int64{"a": 100, "b": 200, "c": 300}
	arr := []arrivals{
		{"a": 110, "b": 220}, // node 0: c was never made
		{"a": 150, "b": 230},
		{"a": 130}, // lacks b
	}
	l := computeLatencies(sent, arr)
	tests := []struct {
		name      string
		got, want any
	}{
		{"local", l.local, []time.Duration{10, 20}},
		{"single", l.single, []time.Duration{10, 20, 40}},
		{"all only complete records", l.all, []time.Duration{40}},
		{"unmade", l.unmade, 1},
		{"missing", l.missing, 1},
		{"lacking", l.lacking, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch want := tt.want.(type) {
			case []time.Duration:
				if !slices.Equal(tt.got.([]time.Duration), want) {
					t.Errorf("got %v, want %v", tt.got, want)
				}
			default:
				if tt.got != tt.want {
					t.Errorf("got %v, want %v", tt.got, tt.want)
				}
			}
		})
	}
}

func TestParseMetrics(t *testing.T) {
	page := `# HELP sentrypeer_p2p_bytes_total Bytes on peer-to-peer streams, by direction.
# TYPE sentrypeer_p2p_bytes_total counter
sentrypeer_p2p_bytes_total{direction="in"} 1.234567e+06
sentrypeer_p2p_bytes_total{direction="out"} 42
sentrypeer_p2p_records_rejected_total{reason="origin"} 3
sentrypeer_p2p_topic_peers 19
`
	m, err := parseMetrics(page)
	if err != nil {
		t.Fatal(err)
	}
	c := countersFrom(m)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"exponent", m[`sentrypeer_p2p_bytes_total{direction="in"}`], 1234567},
		{"plain", m[`sentrypeer_p2p_bytes_total{direction="out"}`], 42},
		{"rejected by reason", c.rejected["origin"], 3},
		{"gauge", float64(c.topicPeers), 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	t.Run("malformed", func(t *testing.T) {
		if _, err := parseMetrics("sentrypeer_p2p_peers x\n"); err == nil {
			t.Error("no error for a value that is not a number")
		}
	})
}

func TestParseProc(t *testing.T) {
	t.Run("stat with a space in the name", func(t *testing.T) {
		stat := "1234 (sentry peer) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 12 0 100 0 0"
		got, err := parseStat(stat, 100)
		if err != nil || got != 3 {
			t.Errorf("parseStat = %v, %v; want 3 (250+50 ticks at 100 Hz)", got, err)
		}
	})
	t.Run("VmHWM", func(t *testing.T) {
		got, err := parseHWM("Name:\tsentrypeer\nVmPeak:\t  999 kB\nVmHWM:\t   52000 kB\nVmRSS:\t 51000 kB\n")
		if err != nil || got != 52000*1024 {
			t.Errorf("parseHWM = %v, %v; want %v", got, err, 52000*1024)
		}
	})
	t.Run("no VmHWM", func(t *testing.T) {
		if _, err := parseHWM("Name:\tx\n"); err == nil {
			t.Error("no error")
		}
	})
	t.Run("machine stat", func(t *testing.T) {
		busy, total, err := parseMachineStat("cpu  10 1 5 80 4 0 0 0 0 0\ncpu0 5 0 2 40 2 0 0 0 0 0\n")
		if err != nil || busy != 16 || total != 100 {
			t.Errorf("parseMachineStat = %v, %v, %v; want 16, 100", busy, total, err)
		}
	})
}
