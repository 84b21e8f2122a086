package membudget

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// madvPageout is MADV_PAGEOUT (Linux 5.4): reclaim the range now.
const madvPageout = 21

// pageOutExecutable gives back the program's read-only pages (code and
// constant data) that are resident but not in use. The kernel maps the
// binary in large folios, so the whole of its 45 MB is resident a second
// after start, while the daemon's working set of it is about 10 MB; the
// rest would count against --memory-limit for nothing. Clean file pages
// only: what is used faults back in from the page cache or the disk. It
// returns the bytes advised.
func pageOutExecutable() (int64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("finding the executable: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("reading mappings: %w", err)
	}
	var advised int64
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		start, end, ok := readOnlyMappingOf(sc.Bytes(), exe)
		if !ok {
			continue
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvPageout); e != 0 {
			return advised, fmt.Errorf("madvise: %w", e)
		}
		advised += int64(end - start)
	}
	return advised, sc.Err()
}

// readOnlyMappingOf parses one line of /proc/self/maps and reports the
// range when it maps path read-only and private ("r--p" or "r-xp").
func readOnlyMappingOf(line []byte, path string) (start, end uintptr, ok bool) {
	f := bytes.Fields(line)
	if len(f) < 6 || string(bytes.Join(f[5:], []byte(" "))) != path {
		return 0, 0, false
	}
	if p := string(f[1]); p != "r--p" && p != "r-xp" {
		return 0, 0, false
	}
	lo, hi, found := bytes.Cut(f[0], []byte("-"))
	if !found {
		return 0, 0, false
	}
	a, err1 := strconv.ParseUint(string(lo), 16, 64)
	b, err2 := strconv.ParseUint(string(hi), 16, 64)
	if err1 != nil || err2 != nil || b <= a {
		return 0, 0, false
	}
	return uintptr(a), uintptr(b), true
}
