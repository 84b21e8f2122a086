package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrSchemaTooNew is returned by [Open] for a database whose schema version
// is newer than this binary knows: a downgrade would misread it.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this binary")

// migrations are the schema steps in order; migrations[i] brings the schema
// from version i to i+1, kept in PRAGMA user_version. Never edit a released
// step: append a new one.
//
// Design notes for version 1, measured on the 2-core machines (README.md
// has the figures):
//   - SQLite costs about 3 µs per index entry and 8 ns per byte written, so
//     events are not rows: each written batch becomes one or more blocks, a
//     compressed run of records (format.go), and the lookup tables hold one
//     row per distinct key per block rather than one per event.
//   - Blocks are read newest first through blocks_last_time; the lookup
//     indexes are (key, last_time, block), so "this IP, newest first" is an
//     index range, and they cover the query (no table lookups).
//   - Lookup tables are rowid tables, and each block records the rowid
//     ranges of its rows (ip_first..ip_last, number_first..number_last):
//     retention deletes them by range, in small chunks, without decoding
//     anything or scanning a table.
//   - data is the last column: reading the small ones never walks the
//     blob's overflow pages. blocks_last_time carries events so that Count
//     sums an index, not the table.
//   - IPs are TEXT in netip.Addr's canonical form, numbers the normalised
//     called number byte for byte: both readable with the sqlite3 tool.
var migrations = []string{
	// 1: blocks and their lookup tables.
	`CREATE TABLE blocks (
	id           INTEGER PRIMARY KEY,
	first_time   INTEGER NOT NULL, -- oldest event, unix nanoseconds, UTC
	last_time    INTEGER NOT NULL, -- newest event
	events       INTEGER NOT NULL,
	format       INTEGER NOT NULL, -- record format of data: 1
	ip_first     INTEGER NOT NULL, -- rowids of this block's block_source_ips
	ip_last      INTEGER NOT NULL, --   rows: ip_first..ip_last (empty if first > last)
	number_first INTEGER NOT NULL, -- same for block_called_numbers
	number_last  INTEGER NOT NULL,
	data         BLOB    NOT NULL  -- s2-compressed records, oldest first
);
CREATE INDEX blocks_last_time ON blocks (last_time, events);
CREATE TABLE block_source_ips (
	ip        TEXT    NOT NULL, -- canonical address, e.g. 198.51.100.7, 2001:db8::1
	block     INTEGER NOT NULL, -- blocks.id
	events    INTEGER NOT NULL, -- events from ip in the block
	last_time INTEGER NOT NULL  -- newest of them, unix nanoseconds
);
CREATE INDEX block_source_ips_ip ON block_source_ips (ip, last_time, block);
CREATE TABLE block_called_numbers (
	number    TEXT    NOT NULL, -- normalised called number, as sent
	block     INTEGER NOT NULL,
	events    INTEGER NOT NULL,
	last_time INTEGER NOT NULL
);
CREATE INDEX block_called_numbers_number ON block_called_numbers (number, last_time, block);
-- Totals per key, the way a person reads them; they cost nothing on insert.
CREATE VIEW source_ips AS SELECT
	ip, sum(events) AS events,
	strftime('%Y-%m-%dT%H:%M:%f', max(last_time) / 1000000000.0, 'unixepoch') || 'Z' AS last_seen
FROM block_source_ips GROUP BY ip;
CREATE VIEW called_numbers AS SELECT
	number, sum(events) AS events,
	strftime('%Y-%m-%dT%H:%M:%f', max(last_time) / 1000000000.0, 'unixepoch') || 'Z' AS last_seen
FROM block_called_numbers GROUP BY number;`,
	// 2: records shared over the peer-to-peer network, ours and peers',
	// one row each (they are aggregated already: a handful per attacker
	// per interval). seq is the order stored here, which peers use as a
	// sync cursor: AUTOINCREMENT, so it never goes back even when
	// retention empties the table. hash (of the signed encoding) drops
	// records that arrive twice, by gossip and by sync.
	`CREATE TABLE shared_records (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	hash       BLOB    NOT NULL UNIQUE, -- first 16 bytes of sha256(data)
	reporter   BLOB    NOT NULL,        -- ed25519 public key of the reporting node
	ip         TEXT    NOT NULL,
	number     TEXT    NOT NULL,        -- normalised, '' for none
	method     TEXT    NOT NULL,
	user_agent TEXT    NOT NULL,
	transport  INTEGER NOT NULL,
	first_time INTEGER NOT NULL,        -- unix nanoseconds
	last_time  INTEGER NOT NULL,
	count      INTEGER NOT NULL,
	received   INTEGER NOT NULL,        -- when stored here
	via        TEXT    NOT NULL,        -- peer ID it came through; '' for our own
	data       BLOB    NOT NULL         -- the signed encoding, relayed as is
);
CREATE INDEX shared_records_last_time ON shared_records (last_time);`,
	// 3: what peers reported about an IP (PeersReports), for the API. Our
	// own records are left out of the index: they are in the events.
	`CREATE INDEX shared_records_peer_ip ON shared_records (ip, last_time) WHERE via <> '';`,
	// 4: the decisions every blocker follows (internal/decision), and the
	// values the operator unblocked, which do not come back until blocked
	// again. A few hundred thousand rows at most (--block-max).
	`CREATE TABLE decisions (
	value     TEXT    PRIMARY KEY, -- canonical address, CIDR network or number
	kind      INTEGER NOT NULL,    -- 1 ip, 2 range, 3 number
	origin    INTEGER NOT NULL,    -- 1 local, 2 peers, 3 trusted, 4 manual
	reporters INTEGER NOT NULL,
	since     INTEGER NOT NULL,    -- unix nanoseconds
	until     INTEGER NOT NULL,
	reason    TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE unblocked (
	value TEXT    PRIMARY KEY,
	at    INTEGER NOT NULL
) WITHOUT ROWID;`,
	// 5: events that API clients (internal/clients) posted to /api/events,
	// apart from this node's own probes: each client's sightings, one row
	// per event, keyed by (client, event_uuid) so that a retried post is
	// stored once. data is the event as posted (its JSON object).
	`CREATE TABLE reported_events (
	client     TEXT    NOT NULL, -- client id (DATA-DIR/clients.db)
	event_uuid TEXT    NOT NULL,
	reporter   BLOB    NOT NULL, -- 32-byte key derived from the client id
	time       INTEGER NOT NULL, -- event_timestamp, unix nanoseconds (never after received)
	received   INTEGER NOT NULL,
	ip         TEXT    NOT NULL, -- canonical source_ip
	number     TEXT    NOT NULL, -- normalised called_number, '' for none
	method     TEXT    NOT NULL,
	user_agent TEXT    NOT NULL,
	data       BLOB    NOT NULL,
	PRIMARY KEY (client, event_uuid)
) WITHOUT ROWID;
CREATE INDEX reported_events_time ON reported_events (time);`,
}

// schemaVersion is the version this binary writes.
func schemaVersion() int { return len(migrations) }

// migrate brings the schema up to [schemaVersion] in one IMMEDIATE
// transaction, so that two processes opening the same new file cannot both
// apply a step.
func (s *Store) migrate(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.wconn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if v > schemaVersion() {
		return fmt.Errorf("%w: version %d, this binary knows up to %d", ErrSchemaTooNew, v, schemaVersion())
	}
	for i := v; i < schemaVersion(); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
		// user_version is in the database header and part of the transaction.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version=%d", i+1)); err != nil {
			return fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
	}
	if v < schemaVersion() {
		s.logger.Info("schema migrated", "from", v, "to", schemaVersion())
	}
	return tx.Commit()
}
