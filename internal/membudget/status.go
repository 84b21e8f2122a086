package membudget

import (
	"bytes"
	"strconv"
)

// statusKB returns the value of a "Name:   123 kB" line, in bytes.
func statusKB(b []byte, name string) (int64, bool) {
	i := bytes.Index(b, []byte(name))
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+len(name):])
	if len(f) < 2 || string(f[1]) != "kB" {
		return 0, false
	}
	n, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n << 10, true
}
