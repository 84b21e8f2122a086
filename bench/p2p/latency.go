package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	_ "modernc.org/sqlite"
)

// arrivals maps a called number to when a node first stored a shared
// record of it (shared_records.received, unix nanoseconds).
type arrivals map[string]int64

// readArrivals reads a stopped node's database read-only. own keeps only
// the node's own records (empty via), for node 0, whose time of storing
// its own record is the origin: it stores it just before publishing it.
func readArrivals(ctx context.Context, path string, own bool) (arrivals, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	q := `SELECT number, min(received) FROM shared_records GROUP BY number`
	if own {
		q = `SELECT number, min(received) FROM shared_records WHERE via = '' GROUP BY number`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer rows.Close()
	a := arrivals{}
	for rows.Next() {
		var n string
		var t int64
		if err := rows.Scan(&n, &t); err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		a[n] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return a, nil
}

// latencies are the delays of one run, one entry per record (local, all)
// or per record and other node (single).
type latencies struct {
	// local: probe sent → node 0 stored its own record of it.
	local []time.Duration
	// single: node 0 stored it → node k stored it, for every k ≠ 0.
	single []time.Duration
	// all: node 0 stored it → the last other node stored it; only for
	// records that every node holds.
	all []time.Duration
	// unmade: probes for which node 0 stored no record; missing: records
	// of node 0 some other node does not hold, and lacking the number of
	// (record, node) pairs missing.
	unmade, missing, lacking int
}

// computeLatencies matches the numbers sent with the records each node
// stored; arr[0] is node 0's own records.
func computeLatencies(sent map[string]int64, arr []arrivals) latencies {
	var l latencies
	for num, s := range sent {
		origin, ok := arr[0][num]
		if !ok {
			l.unmade++
			continue
		}
		l.local = append(l.local, time.Duration(origin-s))
		var worst time.Duration
		complete := true
		for _, a := range arr[1:] {
			t, ok := a[num]
			if !ok {
				complete = false
				l.lacking++
				continue
			}
			d := time.Duration(t - origin)
			l.single = append(l.single, d)
			worst = max(worst, d)
		}
		if complete {
			l.all = append(l.all, worst)
		} else {
			l.missing++
		}
	}
	for _, d := range [][]time.Duration{l.local, l.single, l.all} {
		slices.Sort(d)
	}
	return l
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted
// durations; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}
