package apidoctest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// streamEventName is the event field of every probe frame.
const streamEventName = "probe"

// checkStream checks the complete frames of a Server-Sent Events body: each
// frame with data must be "event: probe", carry the event's id and hold one
// StreamEvent as JSON. Comment lines (": keep-alive") are allowed anywhere.
func (v *Validator) checkStream(body []byte) []error {
	s := strings.ReplaceAll(string(body), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	frames := strings.Split(s, "\n\n")
	frames = frames[:len(frames)-1] // the rest was not ended by a blank line
	var problems []error
	for i, frame := range frames {
		if err := v.checkFrame(frame); err != nil {
			problems = append(problems, fmt.Errorf("event-stream frame %d %q: %w", i+1, cut(frame), err))
		}
	}
	return problems
}

func (v *Validator) checkFrame(frame string) error {
	var event, id string
	var data []string
	for line := range strings.SplitSeq(frame, "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			event = value
		case "id":
			id = value
		case "data":
			data = append(data, value)
		case "retry":
		default:
			return fmt.Errorf("unknown field %q", name)
		}
	}
	if data == nil {
		if event != "" || id != "" {
			return fmt.Errorf("event or id without data")
		}
		return nil // comments only
	}
	if event != streamEventName {
		return fmt.Errorf("event is %q, want %q", event, streamEventName)
	}
	var val any
	if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &val); err != nil {
		return fmt.Errorf("data is not JSON: %w", err)
	}
	if err := v.stream.VisitJSON(val, append(slices.Clip(v.schemaOpts), openapi3.VisitAsResponse())...); err != nil {
		return fmt.Errorf("data doesn't match schema %s: %w", streamSchema, err)
	}
	if m, _ := val.(map[string]any); m["id"] != id {
		return fmt.Errorf("id field %q differs from the data's id %v", id, m["id"])
	}
	return nil
}

// cut shortens a frame for a message.
func cut(s string) string {
	if len(s) > maxValue {
		return s[:maxValue] + "..."
	}
	return s
}
