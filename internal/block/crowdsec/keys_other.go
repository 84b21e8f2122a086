//go:build !unix

package crowdsec

import "os"

// ownLike does nothing where files have no Unix owner.
func ownLike(*os.File, string) error { return nil }
