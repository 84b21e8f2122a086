package record

import (
	"crypto/ed25519"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func TestValidate(t *testing.T) {
	mustAddr := netip.MustParseAddr
	tests := []struct {
		name   string
		edit   func(r *Record)
		limits Limits
		resign bool // sign again after edit (else the edit breaks the signature)
		want   error
	}{
		{name: "valid", edit: func(r *Record) {}},
		{name: "valid ipv6", resign: true, edit: func(r *Record) { r.SourceIP = mustAddr("2606:4700::1111") }},
		{name: "valid empty strings", resign: true, edit: func(r *Record) { r.CalledNumber, r.Method, r.UserAgent = "", "", "" }},
		{name: "valid count 1, one instant", resign: true, edit: func(r *Record) { r.Count, r.FirstSeen = 1, r.LastSeen }},

		{name: "ip missing", resign: true, edit: func(r *Record) { r.SourceIP = netip.Addr{} }, want: ErrIP},
		{name: "ip zone", resign: true, limits: Limits{AllowPrivate: true},
			edit: func(r *Record) { r.SourceIP = mustAddr("2606:4700::1111").WithZone("eth0") }, want: ErrIP},
		{name: "ip mapped", resign: true, edit: func(r *Record) { r.SourceIP = mustAddr("::ffff:9.9.9.9") }, want: ErrIP},
		{name: "ip mapped even if private allowed", resign: true, limits: Limits{AllowPrivate: true},
			edit: func(r *Record) { r.SourceIP = mustAddr("::ffff:9.9.9.9") }, want: ErrIP},
		{name: "ip loopback", resign: true, edit: func(r *Record) { r.SourceIP = mustAddr("127.0.0.1") }, want: ErrIP},
		{name: "ip loopback allowed", resign: true, limits: Limits{AllowPrivate: true},
			edit: func(r *Record) { r.SourceIP = mustAddr("127.0.0.1") }},
		{name: "ip private v6", resign: true, edit: func(r *Record) { r.SourceIP = mustAddr("fd00::1") }, want: ErrIP},

		{name: "number not normalised", resign: true, edit: func(r *Record) { r.CalledNumber = "+44 20 7946" }, want: ErrNumber},
		{name: "number with scheme", resign: true, edit: func(r *Record) { r.CalledNumber = "sip:100" }, want: ErrNumber},
		{name: "number upper case", resign: true, edit: func(r *Record) { r.CalledNumber = "Alice" }, want: ErrNumber},
		{name: "number plus inside", resign: true, edit: func(r *Record) { r.CalledNumber = "44+1" }, want: ErrNumber},
		{name: "number 64 bytes", resign: true, edit: func(r *Record) { r.CalledNumber = strings.Repeat("1", 64) }},
		{name: "number 65 bytes", edit: func(r *Record) { r.CalledNumber = strings.Repeat("1", 65) }, want: ErrNumber},
		{name: "number extension", resign: true, edit: func(r *Record) { r.CalledNumber = "*97#alice" }},

		{name: "method 32 bytes", resign: true, edit: func(r *Record) { r.Method = strings.Repeat("A", 32) }},
		{name: "method 33 bytes", edit: func(r *Record) { r.Method = strings.Repeat("A", 33) }, want: ErrField},
		{name: "method not token", resign: true, edit: func(r *Record) { r.Method = "IN VITE" }, want: ErrField},
		{name: "method NUL", resign: true, edit: func(r *Record) { r.Method = "INV\x00" }, want: ErrField},
		{name: "method odd token", resign: true, edit: func(r *Record) { r.Method = "x-.!%*_+`'~9" }},

		{name: "ua 256 bytes of junk", resign: true, edit: func(r *Record) { r.UserAgent = strings.Repeat("\xff\x01", 128) }},
		{name: "ua 257 bytes", edit: func(r *Record) { r.UserAgent = strings.Repeat("u", 257) }, want: ErrField},
		{name: "ua NUL", resign: true, edit: func(r *Record) { r.UserAgent = "sipcli\x00" }, want: ErrField},

		{name: "transport 0", resign: true, edit: func(r *Record) { r.Transport = 0 }, want: ErrField},
		{name: "transport 4", resign: true, edit: func(r *Record) { r.Transport = 4 }, want: ErrField},
		{name: "transport TLS", resign: true, edit: func(r *Record) { r.Transport = event.TLS }},

		{name: "count 0", resign: true, edit: func(r *Record) { r.Count = 0 }, want: ErrCount},

		{name: "first after last", resign: true, edit: func(r *Record) { r.FirstSeen = r.LastSeen.Add(time.Nanosecond) }, want: ErrField},
		{name: "zero times", edit: func(r *Record) { r.FirstSeen, r.LastSeen = time.Time{}, time.Time{} }, want: ErrField},

		{name: "stale", resign: true, edit: func(r *Record) {
			r.LastSeen = testNow.Add(-DefaultMaxAge - time.Nanosecond)
			r.FirstSeen = r.LastSeen
		}, want: ErrStale},
		{name: "oldest fresh", resign: true, edit: func(r *Record) { r.LastSeen = testNow.Add(-DefaultMaxAge); r.FirstSeen = r.LastSeen }},
		{name: "stale under custom age", resign: true, limits: Limits{MaxAge: time.Hour},
			edit: func(r *Record) { r.LastSeen = testNow.Add(-time.Hour - 1); r.FirstSeen = r.LastSeen }, want: ErrStale},
		{name: "future", resign: true, edit: func(r *Record) { r.LastSeen = testNow.Add(DefaultMaxSkew + 1) }, want: ErrFuture},
		{name: "future first seen", resign: true, edit: func(r *Record) {
			r.FirstSeen = testNow.Add(time.Hour)
			r.LastSeen = r.FirstSeen
		}, want: ErrFuture},
		{name: "latest skew", resign: true, edit: func(r *Record) { r.LastSeen = testNow.Add(DefaultMaxSkew) }},
		{name: "future under custom skew", resign: true, limits: Limits{MaxSkew: time.Second},
			edit: func(r *Record) { r.LastSeen = testNow.Add(2 * time.Second) }, want: ErrFuture},

		{name: "edited after signing", edit: func(r *Record) { r.Count++ }, want: ErrSignature},
		{name: "ip edited after signing", edit: func(r *Record) { r.SourceIP = netip.MustParseAddr("9.9.9.8") }, want: ErrSignature},
		{name: "other reporter", edit: func(r *Record) { r.Reporter = testKey(2).Public().(ed25519.PublicKey) }, want: ErrSignature},
		{name: "signed by another key", edit: func(r *Record) {
			reporter := r.Reporter
			r.Sign(testKey(2))
			r.Reporter = reporter
		}, want: ErrSignature},
		{name: "short reporter", edit: func(r *Record) { r.Reporter = r.Reporter[:31] }, want: ErrSignature},
		{name: "no signature", edit: func(r *Record) { r.Signature = nil }, want: ErrSignature},
		{name: "long signature", edit: func(r *Record) { r.Signature = append(r.Signature, 0) }, want: ErrSignature},
		{name: "flipped signature bit", edit: func(r *Record) { r.Signature[10] ^= 1 }, want: ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRecord(t)
			tt.edit(r)
			if tt.resign {
				r.Sign(testKey(1))
			}
			err := Validate(r, testNow, tt.limits)
			checkReason(t, err, tt.want)
			if tt.want == nil {
				// A valid record always encodes.
				if _, err := Marshal(r); err != nil {
					t.Errorf("valid record does not marshal: %v", err)
				}
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	checkReason(t, Validate(nil, testNow, Limits{}), ErrField)
}

func TestValidateCheapChecksFirst(t *testing.T) {
	// Forged and stale: reported as stale, without the signature check.
	r := testRecord(t)
	r.Signature[0] ^= 1
	r.LastSeen = testNow.Add(-30 * 24 * time.Hour)
	r.FirstSeen = r.LastSeen
	checkReason(t, Validate(r, testNow, Limits{}), ErrStale)
}

func TestReason(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"signature", ErrSignature, "signature"},
		{"stale", ErrStale, "stale"},
		{"future", ErrFuture, "future"},
		{"ip", ErrIP, "ip"},
		{"number", ErrNumber, "number"},
		{"field", ErrField, "field"},
		{"count", ErrCount, "count"},
		{"encoding", ErrEncoding, "encoding"},
		{"version", ErrVersion, "version"},
		{"wrapped", errors.Join(errors.New("x"), ErrStale), "stale"},
		{"other", errors.New("record: something"), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reason(tt.err); got != tt.want {
				t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestKey(t *testing.T) {
	r := testRecord(t)
	want := Key{IP: netip.MustParseAddr("9.9.9.9"), Number: "+4420794609", Method: "INVITE", UserAgent: "friendly-scanner"}
	if got := r.Key(); got != want {
		t.Errorf("Key() = %+v, want %+v", got, want)
	}
	other := *r
	other.Count, other.FirstSeen, other.Reporter = 1, testNow, nil
	if other.Key() != r.Key() {
		t.Error("count, times or reporter changed the key")
	}
	other.UserAgent = "x"
	if other.Key() == r.Key() {
		t.Error("user agent did not change the key")
	}
}
