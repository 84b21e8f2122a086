//go:build !linux

package membudget

// pageOutExecutable does nothing outside Linux.
func pageOutExecutable() (int64, error) { return 0, nil }
