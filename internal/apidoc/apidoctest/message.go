package apidoctest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxValue caps how much of a failing value a message quotes.
const maxValue = 160

// schemaMessage words a schema mismatch as "at /json/pointer: reason (value
// ...)" instead of kin-openapi's default, which dumps the whole schema.
func schemaMessage(err *openapi3.SchemaError) string {
	if err.Origin != nil {
		return "" // the default names the path and the origin's own message
	}
	reason := err.Reason
	if reason == "" {
		reason = fmt.Sprintf("doesn't match %q", err.SchemaField)
	}
	switch err.SchemaField {
	case "anyOf", "oneOf", "not":
		// Their reasons say only that no branch matched; the schema's
		// description says what was wanted.
		if err.Schema != nil && err.Schema.Description != "" {
			reason += ": " + err.Schema.Description
		}
	}
	return fmt.Sprintf("at /%s: %s (value %s)", strings.Join(err.JSONPointer(), "/"), reason, quote(err.Value))
}

// quote renders v as JSON, cut to maxValue bytes.
func quote(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	if len(b) > maxValue {
		return string(b[:maxValue]) + "..."
	}
	return string(b)
}
