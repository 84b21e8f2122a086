// Package sqlitefile opens the small SQLite files that sit beside the store
// in the data folder (the webhook's outbox, the API clients): one
// connection, WAL so that one process writes while another reads.
package sqlitefile

import (
	"database/sql"
	"net/url"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// DSN returns the driver's data source name for path with the URI query q.
// A file: URI keeps paths containing '?' or '#' intact.
func DSN(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	return u.String()
}

// Open opens path, creating it when missing, with one connection, the WAL
// journal, synchronous=NORMAL, a 5 s busy timeout, and transactions that
// take the write lock when they begin, so that none has to upgrade its lock
// while another process holds one.
func Open(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", DSN(path, q))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}
