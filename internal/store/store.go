// Package store is the SQLite sink of the honeypot: it keeps every probe
// [event.Event] in a local database file, deletes events older than a
// retention age, and answers the lookups of the API (by source IP, by
// called number, newest first).
//
// # Layout
//
// Events are not rows. Each written batch becomes one or more blocks: a
// row of the blocks table whose data is the batch's events, sorted by
// time, in a compact binary record format, compressed with s2. The tables
// block_source_ips and block_called_numbers hold one row per distinct key
// per block (how many events, the newest time), and lead a query for one
// IP or number to the blocks that hold it. SQLite's cost is per index
// entry and per byte written, so this cuts what a probe costs the writer
// from ~13 µs (a row per event) to ~1–3 µs. The records cannot be read
// with the sqlite3 tool; [Store.Events] reads them. README.md describes
// the schema and the format.
//
// # Writing
//
// [Store.Run] is the only writer of events. It reads the events queue that
// the [event.Bus] gives it, gathers up to [Config.BatchSize] events or as
// many as arrive within [Config.FlushInterval] of the first one, encodes and
// compresses them, and inserts the blocks and their lookup rows in one
// transaction. The packet path never waits for the disk or the encoder: when
// the store falls behind, the bus queue fills and the bus drops (and counts)
// further events.
//
// A batch that fails is retried with backoff; if every attempt fails its
// events are counted as lost ([Stats].EventsLost), logged, and the writer
// goes on with the next batch, so a full or failing disk costs events but
// never stalls or stops the honeypot, and writing resumes once the disk
// recovers.
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL: a committed batch
// survives a crash of the process (kill -9); a power loss may also take the
// last commits. A kill -9 loses at most the events received in the last
// flush interval (plus those still queued on the bus), as long as the store
// keeps up with the input.
//
// # Reading
//
// [Store.Count] and [Store.Events] use a separate pool of read-only
// connections, so queries never block the writer and vice versa. A block
// that fails to decode makes [Store.Events] return an error naming it.
//
// # Concurrency
//
// All methods are safe for concurrent use. Run is meant to be called once;
// RunRetention at most once. Call [Store.Close] after both have returned.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/sqlitefile"
)

// ErrClosed is returned by operations on a closed [Store].
var ErrClosed = errors.New("store: closed")

var _ event.Sink = (*Store)(nil)

// Config tunes a [Store]. Zero values mean the defaults; negative values are
// an error.
type Config struct {
	// BatchSize is the largest number of events written in one transaction.
	// Default 50000: a batch only grows past what arrives in FlushInterval
	// when the input outruns the writer, and then large batches amortise
	// the lookup-index pages each commit rewrites, one per distinct source
	// and number. Measured with 1000 sources × 1000 numbers and 5 million
	// events stored: 180k events/s with 10000, 440k with 50000.
	BatchSize int
	// FlushInterval is how long the writer waits, after the first event of a
	// batch, for the batch to fill before writing it. It bounds both how
	// stale the database is and what a kill -9 can lose. Default 100ms.
	FlushInterval time.Duration
	// MaxAge is how long events are kept by [Store.RunRetention].
	// Default 7 days.
	MaxAge time.Duration
	// PruneEvery is the period of retention passes. Default 1 minute.
	PruneEvery time.Duration
	// PruneChunk is the largest number of rows (lookup rows and blocks) one
	// retention transaction deletes, so the writer is never blocked for
	// long. Default 1000.
	PruneChunk int
	// CacheKiB is the writer's SQLite page cache, in KiB, outside the Go
	// heap. Default 16 MiB (see writerCacheKiB).
	CacheKiB int
}

// Defaults of [Config].
const (
	DefaultBatchSize     = 50000
	DefaultFlushInterval = 100 * time.Millisecond
	DefaultMaxAge        = 7 * 24 * time.Hour
	DefaultPruneEvery    = time.Minute
	DefaultPruneChunk    = 1000
)

// withDefaults validates c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.BatchSize < 0 || c.FlushInterval < 0 || c.MaxAge < 0 || c.PruneEvery < 0 || c.PruneChunk < 0 || c.CacheKiB < 0 {
		return c, errors.New("store: config values must not be negative")
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.CacheKiB == 0 {
		c.CacheKiB = writerCacheKiB
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.PruneEvery == 0 {
		c.PruneEvery = DefaultPruneEvery
	}
	if c.PruneChunk == 0 {
		c.PruneChunk = DefaultPruneChunk
	}
	return c, nil
}

// Tuning that is not worth a knob.
const (
	busyTimeout = 5 * time.Second
	// pageSize applies to new databases only. Measured on the 2-core
	// machines with blocks: 4 KiB pages doubled the CPU per event with 1000
	// sources × 1000 numbers (more checkpoints, more page overhead).
	pageSize = 16384
	// writerCacheKiB keeps the hot index pages of the writer in memory: with
	// many sources, each batch touches one index leaf per source and number.
	// 16 MiB (not 32) measured as fast with 20,000 sources and 50,000
	// numbers, in full batches (bench/fill, 10^6 events: ~100k events/s
	// both) and in live ones (10^5 events: 1,147 against 1,129 events/s),
	// and keeps 13 MB of resident memory off a flood's peak.
	writerCacheKiB = 16 << 10
	// walCheckpointPages lets the WAL grow to 64 MiB before the writer copies
	// it back, so hot pages are checkpointed once for several commits.
	walCheckpointPages = 4000
	readConns          = 4
	// readerCacheKiB is SQLite's default page cache, which readers keep.
	readerCacheKiB = 2000
)

// Store is an open event database. See the package documentation for its
// contracts.
type Store struct {
	cfg    Config
	logger *slog.Logger
	path   string

	// wmu serialises every use of the write connection (batches, retention,
	// migrations, close). Holding it is cheap: SQLite allows one writer
	// anyway, and an in-process lock avoids SQLite's sleeping busy handler.
	wmu    sync.Mutex
	wdb    *sql.DB
	wconn  *sql.Conn
	stmts  writeStmts // prepared on wconn's driver connection
	closed bool

	rdb *sql.DB
	dec decoder // pools the read path's block buffers

	stats counters

	// retryBackoff is the wait before the first retry of a failed batch; it
	// doubles for each further attempt. Tests shorten it.
	retryBackoff time.Duration
	// limits size blocks; tests shrink them.
	limits blockLimits
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. The directory must exist: Open does not create it. A database
// written by a newer binary is refused with [ErrSchemaTooNew].
//
// logger receives the store's operational messages; nil discards them.
func Open(ctx context.Context, path string, cfg Config, logger *slog.Logger) (_ *Store, err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("store: opening %q: %w", path, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("store: opening %q: %s is not a directory", path, filepath.Dir(path))
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("store: opening %q: not a regular file", path)
	}

	s := &Store{
		cfg:          cfg,
		logger:       logger.With("component", "store"),
		path:         path,
		retryBackoff: 100 * time.Millisecond,
		limits:       blockLimits{blockBytes: defaultBlockBytes, maxBytes: defaultMaxBlockBytes},
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := s.openWriter(ctx); err != nil {
		return nil, fmt.Errorf("store: opening %q: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("store: opening %q: %w", path, err)
	}
	if err := s.prepareWriter(ctx); err != nil {
		return nil, fmt.Errorf("store: opening %q: %w", path, err)
	}
	if err := s.openReader(ctx); err != nil {
		return nil, fmt.Errorf("store: opening %q: %w", path, err)
	}
	return s, nil
}

// CacheBytes is the most SQLite's page caches hold, outside the Go heap,
// with the default [Config]: what a memory budget must leave for the store.
func CacheBytes() int64 { return Config{}.CacheBytes() }

// CacheBytes is the most SQLite's page caches hold with c, outside the Go
// heap.
func (c Config) CacheBytes() int64 {
	w := c.CacheKiB
	if w <= 0 {
		w = writerCacheKiB
	}
	return int64(w+readConns*readerCacheKiB) << 10
}

func (s *Store) openWriter(ctx context.Context) error {
	q := url.Values{}
	q.Set("_txlock", "immediate") // a batch never has to upgrade its lock
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	db, err := sql.Open("sqlite", sqlitefile.DSN(s.path, q))
	if err != nil {
		return err
	}
	s.wdb = db
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	s.wconn = conn
	// page_size must precede journal_mode=WAL; it is a no-op on an existing
	// database. Pragmas run one by one so that the order is ours.
	for _, p := range []string{
		fmt.Sprintf("PRAGMA page_size=%d", pageSize),
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=NORMAL",
		fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", walCheckpointPages),
		fmt.Sprintf("PRAGMA cache_size=-%d", s.cfg.CacheKiB),
	} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, not wal", mode)
	}
	return nil
}

func (s *Store) openReader(ctx context.Context) error {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", sqlitefile.DSN(s.path, q))
	if err != nil {
		return err
	}
	s.rdb = db
	db.SetMaxOpenConns(readConns)
	db.SetMaxIdleConns(readConns)
	return db.PingContext(ctx)
}

// Close checkpoints the WAL into the database file and closes every
// connection. It is safe to call more than once, and on a Store whose Open
// failed part way. Call it after [Store.Run] and [Store.RunRetention] have
// returned: a batch written after Close fails and is counted as lost.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Raw(func(any) error { return s.stmts.close() }))
		// TRUNCATE leaves an empty WAL behind, so that the database file
		// alone holds every event once Close returns.
		_, err := s.wconn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, err, s.wconn.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: closing %q: %w", s.path, err)
	}
	return nil
}
