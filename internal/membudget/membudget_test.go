package membudget

import (
	"testing"
)

func TestFor(t *testing.T) {
	share := func(n int64) int64 { return int64(float64(n) * IndexShare) }
	tests := []struct {
		name           string
		limit, outside int64
		want           Plan
	}{
		{name: "none", want: Plan{QueueSize: MaxQueue}},
		{name: "default", limit: 128 << 20, outside: 48 << 20,
			want: Plan{Limit: 128 << 20, GoLimit: 80 << 20, IndexBytes: 28 << 20, QueueSize: 26214}},
		{name: "small box: the Go limit keeps a quarter", limit: 48 << 20, outside: 48 << 20,
			want: Plan{Limit: 48 << 20, GoLimit: 12 << 20, IndexBytes: share(12 << 20), QueueSize: 9830}},
		{name: "large: queue capped", limit: 4 << 30, outside: 64 << 20,
			want: Plan{Limit: 4 << 30, GoLimit: 4<<30 - 64<<20, IndexBytes: share(4<<30 - 64<<20), QueueSize: MaxQueue}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := For(tt.limit, tt.outside); got != tt.want {
				t.Errorf("For(%d, %d) = %+v, want %+v", tt.limit, tt.outside, got, tt.want)
			}
		})
	}
}

func TestGoLimitFromEnv(t *testing.T) {
	if _, ok := GoLimitFromEnv(func(string) (string, bool) { return "", false }); ok {
		t.Error("GOMEMLIMIT unset, yet a limit was read")
	}
	if _, ok := GoLimitFromEnv(func(k string) (string, bool) { return "1GiB", k == "GOMEMLIMIT" }); !ok {
		t.Error("GOMEMLIMIT set, yet not reported")
	}
}

func TestStatusKB(t *testing.T) {
	status := []byte("Name:\tsentrypeer\nVmRSS:\t  32616 kB\nRssAnon:\t    6724 kB\nRssFile:\t   25892 kB\n")
	tests := []struct {
		name string
		in   []byte
		key  string
		want int64
		ok   bool
	}{
		{"file", status, "RssFile:", 25892 << 10, true},
		{"missing", status, "RssShmem:", 0, false},
		{"no unit", []byte("RssFile: 12\n"), "RssFile:", 0, false},
		{"not a number", []byte("RssFile: x kB\n"), "RssFile:", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := statusKB(tt.in, tt.key)
			if got != tt.want || ok != tt.ok {
				t.Errorf("statusKB(%q) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestGovernorFollowsOutside: as more of the process lives outside the Go
// heap, the Go limit and the index's budget shrink to match.
func TestGovernorFollowsOutside(t *testing.T) {
	outside := int64(20 << 20)
	var goLimit, index int64
	g := &Governor{limit: 128 << 20, reserve: 8 << 20,
		outside:    func() (int64, bool) { return outside, true },
		setGoLimit: func(n int64) { goLimit = n }}
	g.apply()
	g.OnIndexBudget(func(n int64) { index = n })
	if goLimit != 100<<20 || index != 35<<20 {
		t.Fatalf("go limit %d MiB, index %d MiB; want 100 and 35", goLimit>>20, index>>20)
	}
	outside = 40 << 20
	g.apply()
	if goLimit != 80<<20 || index != 28<<20 || g.Plan().GoLimit != 80<<20 {
		t.Fatalf("after growth outside: go limit %d MiB, index %d MiB; want 80 and 28", goLimit>>20, index>>20)
	}
}

// TestTakeFromIndex: what the decision set holds comes out of the index's
// share, down to a quarter of it, and the index hears of every change of
// a mebibyte or more.
func TestTakeFromIndex(t *testing.T) {
	g := &Governor{limit: 128 << 20, outside: func() (int64, bool) { return 40 << 20, true }, setGoLimit: func(int64) {}}
	g.apply()
	share := g.Plan().IndexBytes
	var got []int64
	g.OnIndexBudget(func(n int64) { got = append(got, n) })
	held := int64(10 << 20)
	g.TakeFromIndex(func() int64 { return held })
	held = 10<<20 + 1000 // too small a change to pass on
	g.apply()
	held = 1 << 40 // more than the share
	g.apply()
	want := []int64{share, share - 10<<20, share / 4}
	if len(got) != len(want) {
		t.Fatalf("the index was given %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("budget %d: %d, want %d", i, got[i], want[i])
		}
	}
}

// TestGovernorRaisesInSteps: what outside gives up is credited to the Go
// limit a step at a time, so that a heap cannot grow into pages that come
// back (the binary's, after they were paged out); what it takes is taken
// at once.
func TestGovernorRaisesInSteps(t *testing.T) {
	const limit = 128 << 20
	outside := int64(60 << 20)
	var goLimit int64
	g := &Governor{limit: limit,
		outside:    func() (int64, bool) { return outside, true },
		setGoLimit: func(n int64) { goLimit = n }}
	g.apply()
	if goLimit != 68<<20 {
		t.Fatalf("go limit %d MiB, want 68", goLimit>>20)
	}
	outside = 20 << 20 // 40 MiB given back: 10 steps of 4 MiB
	var seen []int64
	for range 12 {
		g.apply()
		seen = append(seen, goLimit>>20)
	}
	want := []int64{72, 76, 80, 84, 88, 92, 96, 100, 104, 108, 108, 108}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("go limits after the drop outside: %v MiB, want %v", seen, want)
		}
	}
	if want := For(limit, limit-108<<20).IndexBytes; g.Plan().IndexBytes != want {
		t.Errorf("index budget %d, want 35 %% of the go limit", g.Plan().IndexBytes)
	}
	outside = 50 << 20
	g.apply()
	if goLimit != 78<<20 {
		t.Fatalf("go limit %d MiB after growth outside, want 78 at once", goLimit>>20)
	}
}
