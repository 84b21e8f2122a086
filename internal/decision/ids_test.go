package decision

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// TestIDsAgainstMap turns the table of ids and the arena over many times,
// as a flood of new numbers does, and checks both against a map after
// every step: lookups, the count, and the values of the slots.
func TestIDsAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		keys   int // distinct values drawn from
		steps  int
		remove float64 // chance that a step removes rather than adds
	}{
		{"few keys, many collisions of use", 40, 20_000, 0.5},
		{"grows then shrinks", 5_000, 60_000, 0.3},
		{"turns over", 50_000, 200_000, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.keys)))
			ss, x := newSlots(), newIDs()
			model := map[string]uint32{}
			grew, shrank := 0, 0
			for step := range tc.steps {
				if step == tc.steps/2 {
					tc.remove = 0.9 // the second half empties the table
				}
				v := "+44" + strconv.Itoa(rng.IntN(tc.keys))
				id, ok := x.lookup(&ss, v)
				want, wok := model[v]
				if ok != wok || id != want {
					t.Fatalf("step %d: lookup(%q) = %d, %v; want %d, %v", step, v, id, ok, want, wok)
				}
				size := len(x.entries)
				switch {
				case !ok && rng.Float64() >= tc.remove:
					id := ss.alloc(v)
					x.add(&ss, v, id)
					model[v] = id
				case ok:
					x.remove(&ss, v)
					ss.release(id)
					delete(model, v)
				}
				if len(x.entries) > size {
					grew++
				} else if len(x.entries) < size {
					shrank++
				}
				if x.len() != len(model) {
					t.Fatalf("step %d: len %d, want %d", step, x.len(), len(model))
				}
			}
			for v, id := range model {
				if got, ok := x.lookup(&ss, v); !ok || got != id {
					t.Fatalf("lookup(%q) = %d, %v at the end; want %d", v, got, ok, id)
				}
				if got := ss.value(id); got != v {
					t.Fatalf("value(%d) = %q, want %q", id, got, v)
				}
			}
			t.Logf("%d held, table of %d, grew %d and shrank %d times, arena %d bytes (%d garbage)",
				x.len(), len(x.entries), grew, shrank, len(ss.arena), ss.garbage)
			for v, id := range model {
				x.remove(&ss, v)
				ss.release(id)
			}
			if x.len() != 0 || len(x.entries) > 1024 {
				t.Errorf("emptied: %d held in a table of %d; want none in at most 1024", x.len(), len(x.entries))
			}
		})
	}
}

// TestArenaViewsOutliveCompaction: a value read before its slot is
// released and the arena compacted still reads the same.
func TestArenaViewsOutliveCompaction(t *testing.T) {
	ss := newSlots()
	var views []string
	var ids []uint32
	for i := range 20_000 {
		v := "+1555" + strconv.Itoa(i)
		id := ss.alloc(v)
		ids = append(ids, id)
		views = append(views, ss.value(id))
	}
	arena := &ss.arena[0]
	for _, id := range ids[:19_000] {
		ss.release(id)
	}
	for i := range 100 { // enough garbage for a compaction
		ss.alloc("+44" + strconv.Itoa(i))
	}
	if &ss.arena[0] == arena {
		t.Fatal("the arena was not compacted")
	}
	for i, v := range views {
		if want := "+1555" + strconv.Itoa(i); v != want {
			t.Fatalf("view %d reads %q after compaction, want %q", i, v, want)
		}
	}
	for i, id := range ids[19_000:] {
		if got, want := ss.value(id), "+1555"+strconv.Itoa(19_000+i); got != want {
			t.Fatalf("value(%d) = %q after compaction, want %q", id, got, want)
		}
	}
}

// TestDecisionsLeaveAsCopies: a decision handed out of the engine does
// not share its value's bytes with the arena, which it would otherwise
// keep alive whole.
func TestDecisionsLeaveAsCopies(t *testing.T) {
	e := New(Config{Never: NewNever(nil, nil, false)})
	e.Observe(Evidence{Number: "+442071234567", Origin: Local, Reporters: 1, At: time.Now()})
	d, ok := e.Get("+442071234567")
	if !ok {
		t.Fatal("the decision was not made")
	}
	arena := e.ss.arena
	start := uintptr(unsafe.Pointer(unsafe.SliceData(arena)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(d.Value)))
	if p >= start && p < start+uintptr(cap(arena)) {
		t.Error("the decision's value points into the arena")
	}
	for _, d := range e.Snapshot() {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(d.Value))); p >= start && p < start+uintptr(cap(arena)) {
			t.Error("a snapshot's value points into the arena")
		}
	}
}
