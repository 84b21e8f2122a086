//go:build lite

package main

import (
	"fmt"
	"io"
)

// idHelp is what -h says of `sentrypeer id`.
const idHelp = "  sentrypeer id       print this node's peer ID (not in lite builds)"

// id: a lite build has no peer-to-peer engine, so no peer ID.
func id(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "sentrypeer id: not in this build (lite); use the full build")
	return 2
}
