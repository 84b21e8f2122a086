// Command fill writes realistic SIP probe events into a SentryPeer database
// through the store's own write path (store.Run), so that the API and the
// CLI can be measured against a store of a given size.
//
//	go run ./bench/fill -db DIR/sentrypeer.db -events 1000000 [-ips 20000] [-numbers 50000] [-days 7] [-seed 1] [-live]
//
// The events cover the last -days (at most 7 days less an hour, so that
// the daemon's default retention keeps every one), oldest first, with a
// daily rhythm. Sources and called numbers are Zipf-distributed; methods,
// user agents and messages imitate real scanners (sipvicious, sipcli,
// toll-fraud INVITEs). Each event is filled the way the SIP listener fills
// it: the generated message is parsed with internal/sip.
//
// By default the events are sent as fast as store.Run takes them, so the
// store writes full batches (50,000 events) of blocks spanning up to a
// minute of event time each: the database a backlog would make. With -live
// it instead writes the batches the daemon writes when the probes arrive
// at their real pace: one per group of events within 100 ms of each other
// (mostly a single event), which makes many more, smaller blocks and takes
// ~1–2 ms per batch to write here (about 20 minutes for 10^6 events).
//
// It refuses an existing database file. It prints progress every 100,000
// stored events and a summary, and exits 1 on any error, including a stored
// count (store.Count) different from -events.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// options are the command-line flags.
type options struct {
	db      string
	events  int
	ips     int
	numbers int
	days    int
	seed    uint64
	live    bool
}

// result is what one fill measured.
type result struct {
	stored  uint64 // store.Stats().EventsStored
	lost    uint64
	batches uint64
	count   int64 // store.Count after the last batch
	elapsed time.Duration
	bytes   int64 // database file after Close
	start   time.Time
	end     time.Time
}

const progressEvery = 100000

func main() {
	var o options
	flag.StringVar(&o.db, "db", "", "database file to create (its directory is created if needed)")
	flag.IntVar(&o.events, "events", 1000000, "events to write")
	flag.IntVar(&o.ips, "ips", 20000, "distinct source addresses")
	flag.IntVar(&o.numbers, "numbers", 50000, "distinct called numbers (normalised)")
	flag.IntVar(&o.days, "days", 7, "days covered, ending now (cut to 7 days less an hour)")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed (event IDs are random regardless)")
	flag.BoolVar(&o.live, "live", false, "write the batches the daemon would write at the events' real pace (one per 100 ms of event time with traffic), not bulk batches; much slower")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if _, err := fill(ctx, o, os.Stdout, logger); err != nil {
		fmt.Fprintln(os.Stderr, "fill:", err)
		os.Exit(1)
	}
}

// fill creates o.db and writes o.events generated events into it through
// store.Run, reporting progress and a summary to out. It returns an error
// if anything failed or the stored count differs from o.events.
func fill(ctx context.Context, o options, out io.Writer, logger *slog.Logger) (result, error) {
	var res result
	switch {
	case o.db == "":
		return res, errors.New("-db is required")
	case o.events < 1 || o.ips < 1 || o.numbers < 1 || o.days < 1:
		return res, errors.New("-events, -ips, -numbers and -days must be at least 1")
	}
	if _, err := os.Stat(o.db); err == nil {
		return res, fmt.Errorf("%s exists: remove it first", o.db)
	}
	if err := os.MkdirAll(filepath.Dir(o.db), 0o755); err != nil {
		return res, err
	}

	res.end = time.Now().UTC()
	var span time.Duration
	res.start, span = window(res.end, o.days)
	g, err := newGenerator(genConfig{
		Events: o.events, IPs: o.ips, Numbers: o.numbers,
		Start: res.start, Span: span, Seed: o.seed,
	})
	if err != nil {
		return res, err
	}
	fmt.Fprintf(out, "fill: %d events, %d sources, %d numbers, %s to %s (%.1f h)\n",
		o.events, o.ips, o.numbers, res.start.Format(time.RFC3339), res.end.Format(time.RFC3339), span.Hours())

	cfg := store.Config{}
	if o.live {
		cfg.FlushInterval = liveFlush
	}
	st, err := store.Open(ctx, o.db, cfg, logger)
	if err != nil {
		return res, err
	}
	defer st.Close()

	began := time.Now()
	ch := event.NewQueue(4096)
	var wg sync.WaitGroup
	wg.Go(func() {
		if o.live {
			feedLive(ctx, g, ch, st)
		} else {
			feedBulk(ctx, g, ch)
		}
	})
	progressDone := make(chan struct{})
	wg.Go(func() { progress(st, began, out, progressDone) })
	runErr := st.Run(ctx, ch)
	close(progressDone)
	wg.Wait()
	if runErr != nil {
		return res, fmt.Errorf("store run: %w", runErr)
	}

	stats := st.Stats()
	res.stored, res.lost, res.batches = stats.EventsStored, stats.EventsLost, stats.Batches
	if res.count, err = st.Count(ctx); err != nil {
		return res, err
	}
	if err := st.Close(); err != nil {
		return res, err
	}
	res.elapsed = time.Since(began)
	fi, err := os.Stat(o.db)
	if err != nil {
		return res, err
	}
	res.bytes = fi.Size()

	secs := res.elapsed.Seconds()
	fmt.Fprintf(out, "done: %d events written (%d lost) in %d batches, %.2f s, %.0f events/s; %s %.1f MiB (%.0f B/event); store.Count %d\n",
		res.stored, res.lost, res.batches, secs, float64(res.stored)/secs, o.db,
		float64(res.bytes)/(1<<20), float64(res.bytes)/float64(max(res.stored, 1)), res.count)
	if res.count != int64(o.events) {
		return res, fmt.Errorf("store.Count is %d, want %d", res.count, o.events)
	}
	return res, nil
}

// progress prints a line each time another progressEvery events are
// stored, until done is closed.
func progress(st *store.Store, began time.Time, out io.Writer, done <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	next := uint64(progressEvery)
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		n := st.Stats().EventsStored
		if n < next {
			continue
		}
		secs := time.Since(began).Seconds()
		fmt.Fprintf(out, "  %8d stored  %6.1f s  %7.0f events/s\n", n, secs, float64(n)/secs)
		next = (n/progressEvery + 1) * progressEvery
	}
}
