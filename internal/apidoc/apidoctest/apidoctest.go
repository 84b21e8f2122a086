// Package apidoctest checks real HTTP exchanges against the document of
// [apidoc], so that tests of internal/httpapi fail when the server and its
// OpenAPI description disagree.
//
// It brings in github.com/getkin/kin-openapi, so import it only from _test.go
// files: nothing linked into the daemon may depend on it.
//
// A [Validator] is safe for concurrent use, including from parallel subtests.
package apidoctest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/sentrypeer/sentrypeer/internal/apidoc"
)

// streamSchema names the schema of the data of each Server-Sent Event.
const streamSchema = "StreamEvent"

// Validator checks requests and responses against the document. Build it
// with [New].
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	// schemaOpts apply to every schema check, request or response.
	schemaOpts []openapi3.SchemaValidationOption
	stream     *openapi3.Schema

	mu        sync.Mutex
	exercised map[string]bool // "METHOD /path" seen with a 2xx
}

// New loads and validates the document of [apidoc.JSON], calling
// tb.Fatalf if it does not load or validate.
func New(tb testing.TB) *Validator {
	tb.Helper()
	v, err := load(apidoc.JSON())
	if err != nil {
		tb.Fatalf("apidoctest: %v", err)
		return nil
	}
	return v
}

// load builds a Validator for an OpenAPI 3.0 document.
func load(data []byte) (*Validator, error) {
	loader := openapi3.NewLoader() // external $refs stay disallowed: all offline
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading the document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validating the document: %w", err)
	}
	// The servers list names the default listen address, which the routers
	// would match against the request's host; tests use httptest hosts and
	// random ports, so route on the path alone.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("building the router: %w", err)
	}
	v := &Validator{
		doc:    doc,
		router: router,
		schemaOpts: []openapi3.SchemaValidationOption{
			openapi3.MultiErrors(),
			// Formats are checked per validation, not through kin-openapi's
			// global registry, which other tests in the binary may share.
			openapi3.WithStringFormatValidator("ipv4", openapi3.NewIPValidator(true)),
			openapi3.WithStringFormatValidator("ipv6", openapi3.NewIPValidator(false)),
			openapi3.SetSchemaErrorMessageCustomizer(schemaMessage),
		},
		exercised: make(map[string]bool),
	}
	if doc.Components != nil && doc.Components.Schemas[streamSchema] != nil {
		v.stream = doc.Components.Schemas[streamSchema].Value
	}
	if v.stream == nil {
		return nil, fmt.Errorf("the document has no schema %q", streamSchema)
	}
	return v, nil
}

// options returns the filter options for one check. excludeBody leaves the
// response body to the caller (non-JSON bodies and HEAD).
func (v *Validator) options(excludeBody bool) *openapi3filter.Options {
	return &openapi3filter.Options{
		// The key is optional (the document's security list ends with {}),
		// and whether one is needed depends on the daemon's configuration,
		// which the document cannot know.
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults:     true, // never rewrite the request
		MultiError:              true,
		IncludeResponseStatus:   true,
		ExcludeResponseBody:     excludeBody,
		SchemaValidationOptions: v.schemaOpts,
	}
}

// Paths returns every operation of the document as "METHOD /path", sorted,
// e.g. "GET /api/v1/events".
func (v *Validator) Paths() []string {
	var out []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// Exercised returns, in the form and order of [Validator.Paths], the
// operations for which [Validator.Check] has seen a 2xx response to a
// request that matches the document. Comparing it with Paths at the end of
// a test shows which operations the test never exercised.
func (v *Validator) Exercised() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]string, 0, len(v.exercised))
	for op := range v.exercised {
		out = append(out, op)
	}
	slices.Sort(out)
	return out
}

func (v *Validator) markExercised(op string) {
	v.mu.Lock()
	v.exercised[op] = true
	v.mu.Unlock()
}
