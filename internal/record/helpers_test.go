package record

import (
	"crypto/ed25519"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// testNow is the "now" the tests validate at.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

// testRecord returns a valid, signed record seen just before testNow.
func testRecord(t testing.TB) *Record {
	t.Helper()
	r := &Record{
		SourceIP:     netip.MustParseAddr("9.9.9.9"),
		CalledNumber: "+4420794609",
		Method:       "INVITE",
		UserAgent:    "friendly-scanner",
		Transport:    event.UDP,
		FirstSeen:    testNow.Add(-10 * time.Second),
		LastSeen:     testNow.Add(-time.Second),
		Count:        42,
	}
	r.Sign(testKey(1))
	if r.Signature == nil {
		t.Fatal("test record did not sign")
	}
	return r
}

var sentinels = []error{ErrSignature, ErrStale, ErrFuture, ErrIP, ErrNumber, ErrField, ErrCount, ErrEncoding, ErrVersion}

// checkReason fails t unless err wraps want and no other sentinel.
func checkReason(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Errorf("%v also wraps %v", err, s)
		}
	}
}
