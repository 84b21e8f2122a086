package store

import (
	"path/filepath"
	"testing"
)

// TestCacheKiB: the writer's page cache is Config.CacheKiB, and CacheBytes
// counts it.
func TestCacheKiB(t *testing.T) {
	if got, want := CacheBytes(), int64(writerCacheKiB+readConns*readerCacheKiB)<<10; got != want {
		t.Errorf("CacheBytes() = %d, want %d", got, want)
	}
	cfg := Config{CacheKiB: 4 << 10}
	if got, want := cfg.CacheBytes(), int64(4<<10+readConns*readerCacheKiB)<<10; got != want {
		t.Errorf("CacheBytes of 4 MiB = %d, want %d", got, want)
	}
	s := openTest(t, filepath.Join(t.TempDir(), "c.db"), cfg)
	var kib int
	if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA cache_size").Scan(&kib); err != nil {
		t.Fatal(err)
	}
	if kib != -4<<10 {
		t.Errorf("writer cache_size = %d, want %d (KiB)", kib, -4<<10)
	}
}
