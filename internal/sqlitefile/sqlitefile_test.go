package sqlitefile

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

func TestDSNKeepsOddPaths(t *testing.T) {
	for _, path := range []string{"/data/a.db", "/data/what?.db", "/data/#1/a b.db"} {
		u, err := url.Parse(DSN(path, url.Values{"mode": {"ro"}}))
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != "file" || u.Query().Get("mode") != "ro" {
			t.Errorf("%q: DSN %q", path, u)
		}
		if u.Path != path {
			t.Errorf("%q: DSN path %q", path, u.Path)
		}
	}
}

func TestOpenIsWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd?#.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal mode %q, want wal", mode)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the file is not where it was asked for: %v", err)
	}
}
