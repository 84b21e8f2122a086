//go:build unix

package crowdsec

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestKeyFileOwner: root writing the key file into a folder another user
// owns (the daemon's service user) leaves the file to that user.
func TestKeyFileOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	dir := t.TempDir()
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeysFile)
	if _, _, err := AddBouncer(path, "fw", time.Now()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 65534 || st.Gid != 65534 || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file %v owned by %d:%d, want 0600 and 65534:65534", fi.Mode(), st.Uid, st.Gid)
	}
}
