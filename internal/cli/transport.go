//go:build !lite

package cli

import (
	"net/http"
	"time"
)

// doers returns the clients of [client]: both share one Transport, which
// waits timeout at most for the response headers.
func doers(timeout time.Duration) (short, long doer, closeIdle func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: tr, Timeout: timeout}, &http.Client{Transport: tr}, tr.CloseIdleConnections
}
