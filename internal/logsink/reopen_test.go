package logsink

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// callIDs decodes every line of path and returns the events' sequence
// numbers (carried in sip_call_id) in file order.
func callIDs(t *testing.T, path string) []int {
	t.Helper()
	var seqs []int
	for _, line := range readLines(t, path) {
		n, err := strconv.Atoi(decodeStrict(t, line).SIPCallID)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, n)
	}
	return seqs
}

func seqRange(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestJSONReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sentrypeer.json")
	rotated := path + ".1"
	j, err := OpenJSON(path, testInfo, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	events := event.NewQueue(64)
	wait := runJSON(t, t.Context(), j, events)

	const before, after = 100, 150
	for i := range before {
		put(t, events, testEvent(i))
	}
	waitFor(t, "lines before rotation", func() bool { return j.Stats().Written == before })

	// What logrotate does, then SIGHUP.
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := j.Reopen(); err != nil {
		t.Fatalf("Reopen: %v", err)
	}
	for i := before; i < before+after; i++ {
		put(t, events, testEvent(i))
	}
	events.Close()
	if err := wait(); err != nil {
		t.Fatal(err)
	}

	if got, want := callIDs(t, rotated), seqRange(0, before); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rotated file has %v", got)
	}
	if got, want := callIDs(t, path), seqRange(before, before+after); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("new file has %v", got)
	}
	if got, want := j.Stats(), (JSONStats{Written: before + after, Reopens: 1}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

// TestJSONReopenUnderLoad rotates repeatedly while events stream in and
// checks that every event is in exactly one file, in order.
func TestJSONReopenUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sentrypeer.json")
	j, err := OpenJSON(path, testInfo, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	events := event.NewQueue(128)
	wait := runJSON(t, t.Context(), j, events)

	const total, rotations = 5000, 10
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range total {
			put(t, events, testEvent(i))
		}
		events.Close()
	})
	for r := 1; r <= rotations; r++ {
		waitFor(t, "progress", func() bool { return j.Stats().Written >= uint64(r*total/(rotations+1)) })
		if err := os.Rename(path, fmt.Sprintf("%s.%02d", path, r)); err != nil {
			t.Fatal(err)
		}
		if err := j.Reopen(); err != nil {
			t.Fatalf("Reopen %d: %v", r, err)
		}
	}
	wg.Wait()
	if err := wait(); err != nil {
		t.Fatal(err)
	}

	var all []int
	for r := 1; r <= rotations; r++ {
		all = append(all, callIDs(t, fmt.Sprintf("%s.%02d", path, r))...)
	}
	all = append(all, callIDs(t, path)...)
	if len(all) != total {
		t.Fatalf("%d lines in all files, want %d", len(all), total)
	}
	for i, seq := range all {
		if seq != i {
			t.Fatalf("line %d across the files is event %d (lost, duplicated or reordered)", i, seq)
		}
	}
	if got, want := j.Stats(), (JSONStats{Written: total, Reopens: rotations}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestJSONReopenFailureKeepsOldFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "sentrypeer.json")
	j, err := OpenJSON(path, testInfo, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// The directory disappears, so the path cannot be opened again.
	moved := dir + ".moved"
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if err := j.Reopen(); err == nil {
		t.Fatal("Reopen succeeded without a directory")
	}
	events := event.NewQueue(2)
	put(t, events, testEvent(0))
	put(t, events, testEvent(1))
	events.Close()
	if err := j.Run(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	if got := callIDs(t, filepath.Join(moved, "sentrypeer.json")); fmt.Sprint(got) != "[0 1]" {
		t.Errorf("old file has %v", got)
	}
	if got, want := j.Stats(), (JSONStats{Written: 2}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestJSONReopenFlushesToOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sentrypeer.json")
	j, err := OpenJSON(path, testInfo, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	clock := newFakeClock()
	j.now = clock.now
	// A queue that does not run empty leaves the batch's lines buffered.
	events := event.NewQueue(2 * maxBatch)
	for i := range 2 * maxBatch {
		put(t, events, testEvent(i))
	}
	j.flush()
	es, _ := events.Take(nil, maxBatch)
	j.writeBatch(es, false, true)
	buffered := j.lines
	if buffered == 0 {
		t.Fatal("nothing buffered; the test needs buffered lines")
	}
	written := int(j.Stats().Written)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := j.Reopen(); err != nil {
		t.Fatal(err)
	}
	if got := callIDs(t, path+".1"); fmt.Sprint(got) != fmt.Sprint(seqRange(0, written+buffered)) {
		t.Errorf("old file has %v, want events 0..%d", got, written+buffered-1)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("new file is not empty: %d bytes", len(data))
	}
}
