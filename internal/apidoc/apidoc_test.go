package apidoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sentrypeer/sentrypeer/internal/apidoc"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(apidoc.JSON())
	if err != nil {
		t.Fatalf("loading: %v", err)
	}
	return doc
}

func TestDocumentValidates(t *testing.T) {
	doc := load(t)
	// The stricter settings: unknown formats and bad patterns are errors,
	// examples must match their schemas.
	err := doc.Validate(context.Background(),
		openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaPatternValidation(),
		openapi3.EnableExamplesValidation(),
	)
	if err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestOperations checks what every operation must carry.
func TestOperations(t *testing.T) {
	doc := load(t)
	ids := make(map[string]string)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			t.Run(name, func(t *testing.T) {
				if op.OperationID == "" {
					t.Error("no operationId")
				} else if other, dup := ids[op.OperationID]; dup {
					t.Errorf("operationId %q also used by %s", op.OperationID, other)
				}
				ids[op.OperationID] = name
				if op.Summary == "" {
					t.Error("no summary")
				}
				if op.Responses == nil || op.Responses.Len() == 0 {
					t.Fatal("no responses")
				}
				// The key applies to every route, and every route answers
				// 405 to other methods; success is 200, or 201 for a POST.
				// The OAuth2 token endpoint answers 200 (RFC 6749).
				success := 200
				if method == "POST" && path != "/oauth/token" {
					success = 201
				}
				for _, code := range []int{success, 401, 405} {
					if op.Responses.Status(code) == nil {
						t.Errorf("no %d response", code)
					}
				}
				// Errors under /api/v1/ are Error objects, elsewhere Message.
				// OAuth2 errors have their own shape (RFC 6749).
				want := "Message"
				if strings.HasPrefix(path, "/api/v1/") {
					want = "Error"
				}
				oauth := path == "/oauth/token"
				for code, ref := range op.Responses.Map() {
					if code == "401" || code[0] != '4' && code[0] != '5' {
						continue
					}
					mt := ref.Value.Content.Get("application/json")
					if oauth && code == "400" && mt != nil && mt.Schema.Ref == "#/components/schemas/OAuthError" {
						continue
					}
					if mt == nil || mt.Schema.Ref != "#/components/schemas/"+want {
						t.Errorf("%s response is not a %s", code, want)
					}
				}
			})
		}
	}
}

// TestEndpoints pins the operations of api-v1.md, so that one cannot
// disappear from the document unnoticed.
func TestEndpoints(t *testing.T) {
	want := []string{
		"GET /api/v1/check/ip/{ip}",
		"GET /api/v1/check/number/{number}",
		"DELETE /api/v1/decisions/{value}",
		"GET /api/v1/blocking",
		"GET /api/v1/bgp",
		"GET /api/v1/decisions",
		"POST /api/v1/decisions",
		"GET /api/v1/events",
		"GET /api/v1/events/stream",
		"GET /api/v1/export",
		"GET /api/v1/ip-addresses",
		"GET /api/v1/numbers",
		"GET /api/v1/openapi.json",
		"GET /api/v1/peers",
		"GET /api/v1/reports/ip/{ip}",
		"GET /api/v1/stats",
		"GET /health-check",
		"GET /ip-addresses",
		"GET /ip-addresses/{ip}",
		"GET /metrics",
		"GET /numbers",
		"GET /numbers/{number}",
		"POST /oauth/token",
		"GET /api/ip-addresses",
		"GET /api/ip-addresses/{ip}",
		"GET /api/phone-numbers",
		"GET /api/phone-numbers/{number}",
		"POST /api/events",
	}
	var got []string
	for path, item := range load(t).Paths.Map() {
		for method := range item.Operations() {
			got = append(got, method+" "+path)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("operations\n got %q\nwant %q", got, want)
	}
}

// TestStrictObjects checks that every object shape of the document rejects
// unknown properties and that its required names are properties, so a
// renamed field cannot slip through a typo in the document itself.
func TestStrictObjects(t *testing.T) {
	doc := load(t)
	open := map[string]bool{"OpenAPIDocument": true} // only its top level is checked
	for name, ref := range doc.Components.Schemas {
		if open[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			walk(t, name, ref.Value, make(map[*openapi3.Schema]bool))
		})
	}
	for _, name := range []string{"Event", "IPAddressAggregate", "NumberAggregate", "CheckIP", "CheckNumber",
		"Stats", "ValueCount", "HourCount", "Error", "Message", "StreamEvent", "Export",
		"Health", "OriginalIPAddresses", "OriginalBadActor", "OriginalNumbers", "OriginalNumberFound"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("no schema %s", name)
		}
	}
}

func walk(t *testing.T, at string, s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	t.Helper()
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if s.Type.Is("object") && len(s.Properties) > 0 {
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("%s: additionalProperties is not false", at)
		}
		if len(s.Required) == 0 {
			t.Errorf("%s: no required list", at)
		}
		for _, r := range s.Required {
			if s.Properties[r] == nil {
				t.Errorf("%s: required %q is not a property", at, r)
			}
		}
	}
	for name, p := range s.Properties {
		walk(t, at+"."+name, p.Value, seen)
	}
	if s.Items != nil {
		walk(t, at+"[]", s.Items.Value, seen)
	}
	for i, subs := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf, s.AllOf} {
		for j, sub := range subs {
			walk(t, fmt.Sprintf("%s/%d.%d", at, i, j), sub.Value, seen)
		}
	}
}

func TestJSONIsACopy(t *testing.T) {
	a := apidoc.JSON()
	if !json.Valid(a) {
		t.Fatal("not valid JSON")
	}
	orig := bytes.Clone(a)
	a[0] = 'X'
	if b := apidoc.JSON(); !bytes.Equal(b, orig) {
		t.Error("changing one result changed the next")
	}
}

func ExampleJSON() {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title string `json:"title"`
		} `json:"info"`
	}
	if err := json.Unmarshal(apidoc.JSON(), &doc); err != nil {
		panic(err)
	}
	fmt.Println(doc.OpenAPI, doc.Info.Title)
	// Output: 3.0.3 SentryPeer local API
}
