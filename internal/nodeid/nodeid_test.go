package nodeid

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadOrCreateIsStable(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a.String() == "00000000-0000-0000-0000-000000000000" {
		t.Fatalf("ids %s and %s, want one stable non-nil id", a, b)
	}
	if fi, _ := os.Stat(filepath.Join(dir, FileName)); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestLoadOrCreateRefusesGarbage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("not a uuid\n"), 0o600)
	if _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("want an error for a corrupt node id file")
	}
}
