//go:build !lite

package apiclient

import "net/http"

var _ Doer = (*http.Client)(nil)

// defaultDoer returns the client used when [Config].HTTPClient is nil, on
// a Transport of its own, and the function that closes its idle
// connections. Timeouts come from each request's context.
func defaultDoer() (Doer, func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Transport: tr}, tr.CloseIdleConnections
}

// checkScheme: this build reaches http:// and https:// APIs.
func checkScheme(string) error { return nil }
