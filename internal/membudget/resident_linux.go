package membudget

import "os"

// fileResident reads RssFile from /proc/self/status: the program's code
// and other file-backed pages, resident and outside the Go heap.
func fileResident() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	return statusKB(b, "RssFile:")
}
