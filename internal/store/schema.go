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
// Design notes for version 1, measured on the 2-core machines:
//   - Every column costs a bind, a copy and a free per row in the driver, so
//     enum-like fields are INTEGER codes and UUIDs 16-byte BLOBs.
//   - Indexes are (key, time): the API asks for one IP or one number, newest
//     first, and such an index answers that without sorting. The time index
//     serves the unfiltered listing and retention; it is appended to in
//     order and nearly free.
//   - IPs are TEXT in netip.Addr's canonical form: readable, and exact for
//     zones and IPv4-mapped IPv6.
//   - Text columns hold the sender's bytes unchanged, invalid UTF-8 and NUL
//     included (SQLite stores and returns TEXT by length, unvalidated).
var migrations = []string{
	// 1: the events table.
	`CREATE TABLE events (
	id                 INTEGER PRIMARY KEY,
	time               INTEGER NOT NULL, -- unix nanoseconds, UTC
	event_id           BLOB    NOT NULL, -- 16-byte UUID
	node_id            BLOB    NOT NULL, -- 16-byte UUID
	collected          INTEGER NOT NULL, -- 1 passive, 2 responsive
	transport          INTEGER NOT NULL, -- 1 UDP, 2 TCP, 3 TLS
	source_ip          TEXT    NOT NULL, -- '' when unknown
	source_port        INTEGER NOT NULL,
	destination_ip     TEXT    NOT NULL,
	destination_port   INTEGER NOT NULL,
	method             TEXT    NOT NULL,
	request_uri        TEXT    NOT NULL,
	called_number      TEXT    NOT NULL,
	called_number_norm TEXT    NOT NULL,
	from_header        TEXT    NOT NULL,
	to_header          TEXT    NOT NULL,
	call_id            TEXT    NOT NULL,
	cseq               TEXT    NOT NULL,
	user_agent         TEXT    NOT NULL,
	contact            TEXT    NOT NULL,
	via                TEXT    NOT NULL,
	raw                BLOB    NOT NULL,
	raw_truncated      INTEGER NOT NULL, -- 0 or 1
	parse_error        TEXT    NOT NULL  -- '' when the message parsed
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_source_ip_time ON events (source_ip, time);
CREATE INDEX events_called_number_norm_time ON events (called_number_norm, time);
-- events_text shows events the way a person reads them; it costs nothing
-- on insert.
CREATE VIEW events_text AS SELECT
	id,
	strftime('%Y-%m-%dT%H:%M:%f', time / 1000000000.0, 'unixepoch') || 'Z' AS time,
	lower(substr(hex(event_id), 1, 8) || '-' || substr(hex(event_id), 9, 4) || '-' ||
		substr(hex(event_id), 13, 4) || '-' || substr(hex(event_id), 17, 4) || '-' ||
		substr(hex(event_id), 21)) AS event_id,
	lower(substr(hex(node_id), 1, 8) || '-' || substr(hex(node_id), 9, 4) || '-' ||
		substr(hex(node_id), 13, 4) || '-' || substr(hex(node_id), 17, 4) || '-' ||
		substr(hex(node_id), 21)) AS node_id,
	CASE collected WHEN 1 THEN 'passive' WHEN 2 THEN 'responsive' ELSE 'unknown' END AS collected,
	CASE transport WHEN 1 THEN 'UDP' WHEN 2 THEN 'TCP' WHEN 3 THEN 'TLS' ELSE 'unknown' END AS transport,
	source_ip, source_port, destination_ip, destination_port,
	method, request_uri, called_number, called_number_norm,
	from_header, to_header, call_id, cseq, user_agent, contact, via,
	CAST(raw AS TEXT) AS raw, raw_truncated, parse_error
FROM events;`,
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
