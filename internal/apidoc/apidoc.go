// Package apidoc holds the OpenAPI 3.0 description of the local HTTP API
// (internal/httpapi): the original SentryPeer endpoints, /metrics and
// everything under /api/v1/. The document is hand-written in openapi.json
// and embedded in the binary, so the daemon can serve it at
// /api/v1/openapi.json.
//
// The package imports only the standard library because it is linked into
// the daemon; the validator that checks responses against the document lives
// in [github.com/sentrypeer/sentrypeer/internal/apidoc/apidoctest], for tests.
package apidoc

import _ "embed"

// doc is a string, not a []byte, so that nobody can change the embedded
// document in place.
//
//go:embed openapi.json
var doc string

// JSON returns the document, OpenAPI 3.0.3 in JSON. Each call returns a new
// copy (some tens of kilobytes) that the caller owns and may modify; a
// server should call JSON once and write the same bytes on every request,
// treating them as read-only from then on. It is safe for concurrent use.
func JSON() []byte { return []byte(doc) }
