//go:build unix

package crowdsec

import (
	"os"
	"syscall"
)

// ownLike gives f the owner and group of the folder dir when this process
// is root and they differ, so that a daemon running as the folder's owner
// can read a key file that root wrote.
func ownLike(f *os.File, dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (st.Uid == 0 && st.Gid == 0) {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}
