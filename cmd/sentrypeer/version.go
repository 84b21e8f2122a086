package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set at link time (-ldflags "-X main.commit=... -X main.date=..."), as
// release builds do; a build from a git checkout without them takes the
// commit and its time from what the Go toolchain recorded.
var (
	commit = ""
	date   = ""
)

// printVersion writes what -V and `sentrypeer version` say: the version
// first, as the original's did, then what the binary was built from.
func printVersion(w io.Writer) {
	c, d, tags, modified := commit, date, "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if c == "" {
					c = s.Value
				}
			case "vcs.time":
				if d == "" {
					d = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			case "-tags":
				tags = s.Value
			}
		}
	}
	if c == "" {
		c = "unknown"
	} else if modified && commit == "" {
		c += " (with uncommitted changes)"
	}
	if d == "" {
		d = "unknown"
	}
	if tags == "" {
		tags = "none"
	}
	fmt.Fprintf(w, "sentrypeer %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\ntags: %s\n",
		version, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH, tags)
}
