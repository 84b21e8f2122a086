package sip

import (
	"fmt"
	"strings"
	"testing"
)

// checkInvariants asserts what Parse guarantees for any input.
func checkInvariants(t testing.TB, in string, m *Message) {
	t.Helper()
	fields := []struct{ name, v string }{
		{"Method", m.Method}, {"RequestURI", m.RequestURI}, {"Reason", m.Reason},
		{"Version", m.Version}, {"From", m.From}, {"To", m.To}, {"CallID", m.CallID},
		{"CSeq", m.CSeq}, {"CSeqMethod", m.CSeqMethod}, {"UserAgent", m.UserAgent},
		{"Contact", m.Contact}, {"Authorization", m.Authorization}, {"Body", m.Body},
		{"CalledNumber", m.CalledNumber},
	}
	for i, v := range m.Vias {
		fields = append(fields, struct{ name, v string }{fmt.Sprintf("Vias[%d]", i), v})
	}
	for _, f := range fields {
		// Folded values are joined copies: they must hold no line break.
		if f.v != "" && !strings.Contains(in, f.v) && strings.ContainsAny(f.v, "\r\n") {
			t.Errorf("%s = %q is neither a substring of the input nor free of CR/LF", f.name, f.v)
		}
	}
	if len(m.Vias) > MaxVias {
		t.Errorf("len(Vias) = %d > %d", len(m.Vias), MaxVias)
	}
	if m.ContentLength < -1 {
		t.Errorf("ContentLength = %d < -1", m.ContentLength)
	}
	if m.ContentLength >= 0 && len(m.Body) > m.ContentLength {
		t.Errorf("len(Body) = %d > ContentLength %d", len(m.Body), m.ContentLength)
	}
	if !strings.Contains(in, m.Body) {
		t.Errorf("Body is not part of the input")
	}
	if m.StatusCode != 0 && (m.StatusCode < 100 || m.StatusCode > 699) {
		t.Errorf("StatusCode = %d", m.StatusCode)
	}
	if m.StatusCode != 0 && !m.IsResponse {
		t.Errorf("StatusCode %d on a request", m.StatusCode)
	}
	if !strings.Contains(m.CSeq, m.CSeqMethod) {
		t.Errorf("CSeqMethod %q not in CSeq %q", m.CSeqMethod, m.CSeq)
	}
	if !strings.Contains(m.RequestURI, m.CalledNumber) && !strings.Contains(m.To, m.CalledNumber) {
		t.Errorf("CalledNumber %q from neither Request-URI nor To", m.CalledNumber)
	}
	switch m.Err {
	case nil:
		if !strings.EqualFold(m.Version, "SIP/2.0") {
			t.Errorf("Err nil with Version %q", m.Version)
		}
	case ErrNoStartLine, ErrNotSIP, ErrBadStartLine, ErrBadVersion, ErrBadHeader,
		ErrDuplicateHeader, ErrBadContentLength, ErrTooManyHeaders, ErrTruncated:
	default:
		t.Errorf("Err = %v is not one of the sentinels", m.Err)
	}
}
