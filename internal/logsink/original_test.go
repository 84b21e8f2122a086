package logsink

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestOriginalDecodesAppendOriginal: Original has exactly the keys that
// AppendOriginal writes, so a receiver decoding into it misses none.
func TestOriginalDecodesAppendOriginal(t *testing.T) {
	e := testEvent(42)
	b := AppendOriginal(nil, e, &testInfo, Share{Raw: true, Destination: true})
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var o Original
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	var fields []string
	for f := range reflect.TypeFor[Original]().Fields() {
		fields = append(fields, f.Tag.Get("json"))
	}
	if !reflect.DeepEqual(fields, originalKeys) {
		t.Errorf("Original's keys %q, want the original's %q", fields, originalKeys)
	}
	if o.EventUUID != e.ID.String() || o.SIPMessage != e.Raw || o.SourceIP != e.Source.Addr().String() {
		t.Errorf("decoded %+v from %s", o, b)
	}
}
