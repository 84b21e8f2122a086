package clients

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/sqlitefile"
)

// File is the clients database's name in the data folder.
const File = "clients.db"

// Errors of [DB].
var (
	ErrNotFound = errors.New("clients: no such client")
	ErrExists   = errors.New("clients: a client with that name exists")
	ErrBadName  = errors.New("clients: bad client name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
)

// Scope is a set of permissions.
type Scope uint8

const (
	// Read allows every GET of the API.
	Read Scope = 1 << iota
	// Report allows POST /api/events.
	Report
)

// ParseScope parses a comma-separated list of "read" and "report".
func ParseScope(s string) (Scope, error) {
	var out Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		switch f {
		case "read":
			out |= Read
		case "report":
			out |= Report
		default:
			return 0, fmt.Errorf("clients: unknown scope %q: want read or report", f)
		}
	}
	if out == 0 {
		return 0, errors.New("clients: no scope: want read, report or both")
	}
	return out, nil
}

// Names returns the scopes as words, "read" first.
func (s Scope) Names() []string {
	out := []string{}
	if s&Read != 0 {
		out = append(out, "read")
	}
	if s&Report != 0 {
		out = append(out, "report")
	}
	return out
}

// String is the OAuth2 form: names separated by spaces.
func (s Scope) String() string { return strings.Join(s.Names(), " ") }

// Client is one API client.
type Client struct {
	ID      string
	Name    string
	Scope   Scope
	Trusted bool // its reports alone enforce, like a --p2p-trust peer's
	Created time.Time
	hash    [sha256.Size]byte // of the secret
}

// Reporter is the key the client's reports carry in the index: derived
// from its id, so that each client counts as one reporter.
func (c Client) Reporter() [32]byte { return ReporterKey(c.ID) }

// ReporterKey is [Client.Reporter] for the client id.
func ReporterKey(id string) [32]byte {
	return sha256.Sum256([]byte("sentrypeer api client\x00" + id))
}

// ValidName reports whether name can name a client.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// DB is the clients database.
type DB struct {
	db   *sql.DB
	conn *sql.Conn // held, so that data_version compares one connection's view
}

const schema = `CREATE TABLE IF NOT EXISTS clients (
	id            TEXT    PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	secret_sha256 BLOB    NOT NULL,
	scopes        TEXT    NOT NULL, -- e.g. "read report"
	trusted       INTEGER NOT NULL,
	created       INTEGER NOT NULL  -- unix nanoseconds
) WITHOUT ROWID`

// Open opens (creating, mode 0600) the clients database at path, in WAL
// mode so that the command line writes while the daemon reads.
func Open(ctx context.Context, path string) (*DB, error) {
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("opening clients database %q: %w", path, err)
	} else {
		f.Close()
	}
	db, err := sqlitefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening clients database %q: %w", path, err)
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, schema)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		db.Close()
		return nil, fmt.Errorf("opening clients database %q: %w", path, err)
	}
	return &DB{db: db, conn: conn}, nil
}

// Close closes the database.
func (d *DB) Close() error {
	return errors.Join(d.conn.Close(), d.db.Close())
}

// Add makes a client and returns it with its secret, which is not stored.
func (d *DB) Add(ctx context.Context, name string, scope Scope, trusted bool, now time.Time) (Client, string, error) {
	if !ValidName(name) {
		return Client{}, "", ErrBadName
	}
	if scope == 0 {
		return Client{}, "", errors.New("clients: no scope")
	}
	var id [16]byte
	var secret [32]byte
	rand.Read(id[:])
	rand.Read(secret[:])
	c := Client{ID: hex.EncodeToString(id[:]), Name: name, Scope: scope, Trusted: trusted, Created: now.UTC().Truncate(time.Second)}
	s := base64.RawURLEncoding.EncodeToString(secret[:])
	c.hash = sha256.Sum256([]byte(s))
	_, err := d.conn.ExecContext(ctx, `INSERT INTO clients (id, name, secret_sha256, scopes, trusted, created) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.hash[:], c.Scope.String(), trusted, c.Created.UnixNano())
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return Client{}, "", fmt.Errorf("%w: %q", ErrExists, name)
		}
		return Client{}, "", fmt.Errorf("adding client: %w", err)
	}
	return c, s, nil
}

// List returns every client, by name.
func (d *DB) List(ctx context.Context) ([]Client, error) {
	rows, err := d.conn.QueryContext(ctx, `SELECT id, name, secret_sha256, scopes, trusted, created FROM clients ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing clients: %w", err)
	}
	defer rows.Close()
	var out []Client
	for rows.Next() {
		var (
			c       Client
			hash    []byte
			scopes  string
			created int64
		)
		if err := rows.Scan(&c.ID, &c.Name, &hash, &scopes, &c.Trusted, &created); err != nil {
			return nil, fmt.Errorf("listing clients: %w", err)
		}
		if len(hash) != len(c.hash) {
			return nil, fmt.Errorf("listing clients: client %s: secret hash of %d bytes", c.ID, len(hash))
		}
		copy(c.hash[:], hash)
		if c.Scope, err = ParseScope(scopes); err != nil {
			return nil, fmt.Errorf("listing clients: client %s: %w", c.ID, err)
		}
		c.Created = time.Unix(0, created).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing clients: %w", err)
	}
	return out, nil
}

// Delete removes the client named, or with the id, nameOrID and returns it.
func (d *DB) Delete(ctx context.Context, nameOrID string) (Client, error) {
	cs, err := d.List(ctx)
	if err != nil {
		return Client{}, err
	}
	for _, c := range cs {
		if c.Name == nameOrID || c.ID == nameOrID {
			if _, err := d.conn.ExecContext(ctx, `DELETE FROM clients WHERE id = ?`, c.ID); err != nil {
				return Client{}, fmt.Errorf("deleting client: %w", err)
			}
			return c, nil
		}
	}
	return Client{}, fmt.Errorf("%w: %q", ErrNotFound, nameOrID)
}

// version is SQLite's data_version: it changes when another connection
// commits a change to the file.
func (d *DB) version(ctx context.Context) (int64, error) {
	var v int64
	err := d.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v, err
}
