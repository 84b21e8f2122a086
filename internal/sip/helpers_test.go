package sip

import (
	"reflect"
	"strings"
	"testing"
)

// crlf joins lines with CRLF, as SIP puts them on the wire.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") }

// checkMessage compares every field of got with want, treating a nil and an
// empty Vias alike.
func checkMessage(t *testing.T, got, want *Message) {
	t.Helper()
	g, w := *got, *want
	if len(g.Vias) == 0 {
		g.Vias = nil
	}
	if len(w.Vias) == 0 {
		w.Vias = nil
	}
	if g.Err != w.Err {
		t.Errorf("Err = %v, want %v", g.Err, w.Err)
	}
	g.Err, w.Err = nil, nil
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s = %#v, want %#v", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}
}
