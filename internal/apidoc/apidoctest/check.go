package apidoctest

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Check validates one exchange against the document: req as sent, resp as
// received, and body, the response body the caller has already read (Check
// reads neither req.Body nor resp.Body, and modifies neither req nor resp).
// It calls tb.Errorf once for each mismatch it finds:
//
//   - no path of the document matches req's path;
//   - req's method is not documented for the path, and resp is not the 405
//     that the path's operations document;
//   - req does not match the document (a parameter's type, enum or range, a
//     missing required parameter, an undocumented query parameter), yet resp
//     is not a 4xx: a request the document rejects must be rejected;
//   - resp's status is not documented for the operation, or its
//     Content-Type, documented headers or body do not match;
//   - for text/event-stream, a complete frame that is not a valid probe
//     event (the data must match the StreamEvent schema; a final frame not
//     yet ended by a blank line is ignored, so a body cut mid-stream is fine).
//
// A HEAD request is checked as the GET of the same path, without its body.
func (v *Validator) Check(tb testing.TB, req *http.Request, resp *http.Response, body []byte) {
	tb.Helper()
	where := fmt.Sprintf("apidoctest: %s %s -> %d", req.Method, req.URL.RequestURI(), resp.StatusCode)
	for _, err := range v.check(req, resp, body) {
		tb.Errorf("%s: %v", where, err)
	}
}

func (v *Validator) check(req *http.Request, resp *http.Response, body []byte) []error {
	ctx := context.Background()
	// A clone, because kin-openapi reads the body and the method may change.
	r := req.Clone(ctx)
	r.Body = http.NoBody
	if req.GetBody != nil { // a request body, read again for validation
		if b, err := req.GetBody(); err == nil {
			r.Body = b
		}
	}
	head := r.Method == http.MethodHead
	if head {
		r.Method = http.MethodGet
	}
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return v.unrouted(r, resp, body, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    v.options(false),
	}
	reqErr := errors.Join(openapi3filter.ValidateRequest(ctx, in), unknownQuery(route, r))
	code := resp.StatusCode
	var problems []error
	if reqErr != nil && code/100 != 4 {
		problems = append(problems, fmt.Errorf("the request does not match the document, so a 4xx was due: %w", reqErr))
	}
	problems = append(problems, v.checkResponse(in, head, resp, body)...)
	if reqErr == nil && !head && code/100 == 2 {
		v.markExercised(route.Method + " " + route.Path)
	}
	return problems
}

// unrouted explains why r matched no operation. A documented path asked
// with an undocumented method must get the 405 its GET documents. (The
// legacy router says "method not allowed" only for paths without
// parameters, so the path is looked up again as a GET rather than trusting
// the router's reason.)
func (v *Validator) unrouted(r *http.Request, resp *http.Response, body []byte, err error) []error {
	g := r.Clone(context.Background())
	g.Method = http.MethodGet
	route, params, gerr := v.router.FindRoute(g)
	if r.Method == http.MethodGet || gerr != nil {
		return []error{fmt.Errorf("no operation of the document matches %s %q (%v)", r.Method, r.URL.Path, err)}
	}
	if resp.StatusCode != http.StatusMethodNotAllowed {
		return []error{fmt.Errorf("method %s is not documented for %s, so a 405 was due", r.Method, route.Path)}
	}
	in := &openapi3filter.RequestValidationInput{Request: g, PathParams: params, Route: route, Options: v.options(false)}
	return v.checkResponse(in, false, resp, body)
}

// checkResponse checks resp against the operation of in.
func (v *Validator) checkResponse(in *openapi3filter.RequestValidationInput, head bool, resp *http.Response, body []byte) []error {
	route := in.Route
	op := route.Method + " " + route.Path
	code := resp.StatusCode
	responses := route.Operation.Responses
	ref := responses.Status(code)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return []error{fmt.Errorf("status %d is not documented for %s (documented: %s)", code, op, strings.Join(statuses(responses), ", "))}
	}
	content := ref.Value.Content
	ct := resp.Header.Get("Content-Type")
	var mt *openapi3.MediaType
	switch {
	case len(content) == 0:
		if len(body) > 0 {
			return []error{fmt.Errorf("%s documents no body for status %d, got %d bytes", op, code, len(body))}
		}
	case ct == "":
		return []error{fmt.Errorf("no Content-Type; %s documents %s for status %d", op, strings.Join(mediaTypes(content), ", "), code)}
	default:
		if mt = content.Get(ct); mt == nil {
			return []error{fmt.Errorf("Content-Type %q is not documented for status %d of %s (documented: %s)", ct, code, op, strings.Join(mediaTypes(content), ", "))}
		}
	}
	isJSON := mt != nil && jsonMedia(ct)

	var problems []error
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 code,
		Header:                 resp.Header,
		// kin-openapi checks headers always, and the body when it is JSON.
		Options: v.options(head || !isJSON),
	}
	rin.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		problems = append(problems, err)
	}
	if head || mt == nil || isJSON || mt.Schema == nil {
		return problems
	}
	// A text body: its schema is a string, perhaps with a pattern.
	if err := mt.Schema.Value.VisitJSON(string(body), append(slices.Clip(v.schemaOpts), openapi3.VisitAsResponse())...); err != nil {
		problems = append(problems, fmt.Errorf("response body doesn't match the schema: %w", err))
	}
	if mediaBase(ct) == "text/event-stream" {
		problems = append(problems, v.checkStream(body)...)
	}
	return problems
}

// unknownQuery reports query parameters that the operation does not
// document: kin-openapi ignores them, but a client relying on one would be
// relying on something undocumented.
func unknownQuery(route *routers.Route, r *http.Request) error {
	known := make(map[string]bool)
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				known[p.Value.Name] = true
			}
		}
	}
	var unknown []string
	for name := range r.URL.Query() {
		if !known[name] {
			unknown = append(unknown, strconv.Quote(name))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return fmt.Errorf("query parameters not documented for %s %s: %s", route.Method, route.Path, strings.Join(unknown, ", "))
}

func statuses(responses *openapi3.Responses) []string {
	var out []string
	for code := range responses.Map() {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

func mediaTypes(content openapi3.Content) []string {
	var out []string
	for mt := range content {
		out = append(out, mt)
	}
	slices.Sort(out)
	return out
}

// mediaBase returns the media type of a Content-Type without parameters,
// lowercased.
func mediaBase(ct string) string {
	if base, _, err := mime.ParseMediaType(ct); err == nil {
		return base
	}
	base, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

func jsonMedia(ct string) bool {
	base := mediaBase(ct)
	return base == "application/json" || strings.HasSuffix(base, "+json")
}
