package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// rawDB opens path with no store logic, for inspecting and tampering.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	var v int
	if err := rawDB(t, path).QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrations(t *testing.T) {
	t.Run("fresh database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		s, err := Open(t.Context(), path, Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if v := userVersion(t, path); v != schemaVersion() {
			t.Errorf("user_version = %d, want %d", v, schemaVersion())
		}
	})

	t.Run("reopen is idempotent and keeps data", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		for i := range 3 {
			s, err := Open(t.Context(), path, Config{}, nil)
			if err != nil {
				t.Fatalf("open %d: %v", i, err)
			}
			write(t, s, probe(time.Now(), src, "100"))
			if n := count(t, s); n != int64(i+1) {
				t.Errorf("open %d: %d events, want %d", i, n, i+1)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if v := userVersion(t, path); v != schemaVersion() {
			t.Errorf("user_version = %d, want %d", v, schemaVersion())
		}
	})

	t.Run("newer schema is refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		s, err := Open(t.Context(), path, Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := rawDB(t, path).Exec("PRAGMA user_version = 99"); err != nil {
			t.Fatal(err)
		}
		s, err = Open(t.Context(), path, Config{}, nil)
		if err == nil {
			s.Close()
			t.Fatal("Open of a newer schema succeeded")
		}
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("Open = %v, want ErrSchemaTooNew", err)
		}
		if v := userVersion(t, path); v != 99 {
			t.Errorf("user_version changed to %d", v)
		}
	})

	// Not parallel: it swaps the package's migration list.
	t.Run("failed step rolls back", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		s, err := Open(t.Context(), path, Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		saved := migrations
		t.Cleanup(func() { migrations = saved })
		migrations = append(migrations[:len(migrations):len(migrations)],
			"CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;")
		s, err = Open(t.Context(), path, Config{}, nil)
		if err == nil {
			s.Close()
			t.Fatal("Open with a broken migration succeeded")
		}
		if v := userVersion(t, path); v != len(saved) {
			t.Errorf("user_version = %d after a failed step, want %d", v, len(saved))
		}
		var n int
		if err := rawDB(t, path).QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Error("the failed step's table was kept")
		}
	})
}
