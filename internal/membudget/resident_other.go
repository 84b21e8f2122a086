//go:build !linux

package membudget

// fileResident is not measured outside Linux: DefaultOutside stands in.
func fileResident() (int64, bool) { return 0, false }
