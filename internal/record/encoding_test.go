package record

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// TestEncodingGolden pins the version 1 wire format: a change here breaks
// every other node.
func TestEncodingGolden(t *testing.T) {
	r := &Record{
		SourceIP:     netip.MustParseAddr("9.9.9.9"),
		CalledNumber: "100",
		Method:       "OPTIONS",
		UserAgent:    "sipvicious",
		Transport:    event.UDP,
		FirstSeen:    time.Unix(0, 1),
		LastSeen:     time.Unix(0, 0x0102030405060708),
		Count:        0x0a0b0c0d,
	}
	r.Sign(testKey(1))
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := "535052" + "01" + "04" + "09090909" + "01" +
		"0000000000000001" + "0102030405060708" + "0a0b0c0d" +
		"03" + hex.EncodeToString([]byte("100")) +
		"07" + hex.EncodeToString([]byte("OPTIONS")) +
		"000a" + hex.EncodeToString([]byte("sipvicious")) +
		// Ed25519 is deterministic, so the key and signature are pinned too.
		"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664" +
		"f0d1a8bfa2dd21880e2d341d0c7b5a8b1d00414830e795066133a5e8b43de1df" +
		"e50c475ea8bbd2b75b0aff452a84753271cc8082e24961854c94cc4204a89b0b"
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("encoding\n got %s\nwant %s", got, want)
	}
	sb := r.SigningBytes()
	if string(sb) != "sentrypeer-record-v1\x00"+string(b[:len(b)-ed25519.SignatureSize]) {
		t.Errorf("signing bytes %q are not the domain and the unsigned encoding", sb)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *Record)
	}{
		{"v4", func(r *Record) {}},
		{"v6", func(r *Record) { r.SourceIP = netip.MustParseAddr("2606:4700::1111") }},
		{"v4-mapped kept as sent", func(r *Record) { r.SourceIP = netip.MustParseAddr("::ffff:9.9.9.9") }},
		{"empty strings", func(r *Record) { r.CalledNumber, r.Method, r.UserAgent = "", "", "" }},
		{"longest strings", func(r *Record) {
			r.SourceIP = netip.MustParseAddr("2606:4700::1111")
			r.CalledNumber = strings.Repeat("9", MaxNumberLen)
			r.Method = strings.Repeat("M", MaxMethodLen)
			r.UserAgent = strings.Repeat("\xff", MaxUserAgentLen)
		}},
		{"before 1970", func(r *Record) { r.FirstSeen = time.Date(1900, 1, 1, 0, 0, 0, 1, time.UTC) }},
		{"extreme times", func(r *Record) { r.FirstSeen, r.LastSeen = time.Unix(0, -1<<63), time.Unix(0, 1<<63-1) }},
		{"any transport and count", func(r *Record) { r.Transport, r.Count = 255, 1<<32-1 }},
		{"v2 destination v4", func(r *Record) { r.Destination = netip.MustParseAddrPort("192.0.2.10:5060") }},
		{"v2 destination v6", func(r *Record) { r.Destination = netip.MustParseAddrPort("[2001:db8::5]:5061") }},
		{"v2 raw only", func(r *Record) { r.Raw = "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n\r\n" }},
		{"v2 both, longest raw", func(r *Record) {
			r.Destination = netip.MustParseAddrPort("192.0.2.10:0")
			r.Raw = strings.Repeat("\x00\xff", MaxRawLen/2)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRecord(t)
			tt.edit(r)
			r.Sign(testKey(1))
			b, err := Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > MaxEncodedSize {
				t.Errorf("%d bytes, over MaxEncodedSize", len(b))
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if !got.FirstSeen.Equal(r.FirstSeen) || !got.LastSeen.Equal(r.LastSeen) {
				t.Errorf("times %v %v, want %v %v", got.FirstSeen, got.LastSeen, r.FirstSeen, r.LastSeen)
			}
			if got.FirstSeen.Location() != time.UTC {
				t.Errorf("decoded time in %v, want UTC", got.FirstSeen.Location())
			}
			got.FirstSeen, got.LastSeen = r.FirstSeen, r.LastSeen
			if !reflect.DeepEqual(got, r) {
				t.Errorf("round trip\n got %+v\nwant %+v", got, r)
			}
			again, _ := Marshal(got)
			if !bytes.Equal(again, b) {
				t.Error("re-encoding differs")
			}
		})
	}
}

func TestLargestEncoding(t *testing.T) {
	r := testRecord(t)
	r.SourceIP = netip.MustParseAddr("2606:4700::1111")
	r.CalledNumber = strings.Repeat("9", MaxNumberLen)
	r.Method = strings.Repeat("M", MaxMethodLen)
	r.UserAgent = strings.Repeat("u", MaxUserAgentLen)
	r.Sign(testKey(1))
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 494 || b[3] != 1 {
		t.Errorf("largest record is %d bytes, version %d; documented as 494, version 1", len(b), b[3])
	}
	r.Destination = netip.MustParseAddrPort("[2001:db8::5]:5061")
	r.Raw = strings.Repeat("r", MaxRawLen)
	r.Sign(testKey(1))
	if b, err = Marshal(r); err != nil {
		t.Fatal(err)
	}
	if want := 494 + 19 + 2 + MaxRawLen; len(b) != want || len(b) > MaxEncodedSize || b[3] != 2 {
		t.Errorf("largest version 2 record is %d bytes, version %d; want %d (under %d), version 2", len(b), b[3], want, MaxEncodedSize)
	}
}

func TestDeterministic(t *testing.T) {
	r := testRecord(t)
	a, _ := Marshal(r)
	b, _ := Marshal(r)
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of one record differ")
	}
	// The same instants in another zone, with a monotonic reading, and the
	// same strings in fresh memory: the same bytes.
	loc := time.FixedZone("x", 3600)
	c := *r
	c.FirstSeen = r.FirstSeen.In(loc)
	t0 := time.Now()
	c.LastSeen = t0.Add(r.LastSeen.Sub(t0)) // carries a monotonic reading
	if !strings.Contains(c.LastSeen.String(), "m=") || !c.LastSeen.Equal(r.LastSeen) {
		t.Fatalf("test time %v is not the monotonic twin of %v", c.LastSeen, r.LastSeen)
	}
	c.UserAgent = strings.Clone(r.UserAgent)
	d, err := Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, d) {
		t.Error("time zone or monotonic reading changed the encoding")
	}
	if err := Validate(&c, testNow, Limits{}); err != nil {
		t.Errorf("same record in another zone: %v", err)
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *Record)
		want error
	}{
		{"no ip", func(r *Record) { r.SourceIP = netip.Addr{} }, ErrIP},
		{"zone", func(r *Record) { r.SourceIP = netip.MustParseAddr("fe80::1%eth0") }, ErrIP},
		{"long number", func(r *Record) { r.CalledNumber = strings.Repeat("1", MaxNumberLen+1) }, ErrNumber},
		{"long method", func(r *Record) { r.Method = strings.Repeat("M", MaxMethodLen+1) }, ErrField},
		{"long user agent", func(r *Record) { r.UserAgent = strings.Repeat("u", MaxUserAgentLen+1) }, ErrField},
		{"zero first seen", func(r *Record) { r.FirstSeen = time.Time{} }, ErrField},
		{"last seen year 3000", func(r *Record) { r.LastSeen = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, ErrField},
		{"short reporter", func(r *Record) { r.Reporter = r.Reporter[:16] }, ErrSignature},
		{"no signature", func(r *Record) { r.Signature = nil }, ErrSignature},
		{"long raw", func(r *Record) { r.Raw = strings.Repeat("r", MaxRawLen+1) }, ErrField},
		{"destination zone", func(r *Record) { r.Destination = netip.MustParseAddrPort("[fe80::1%eth0]:5060") }, ErrField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRecord(t)
			tt.edit(r)
			b, err := Marshal(r)
			checkReason(t, err, tt.want)
			if b != nil {
				t.Errorf("got %d bytes with the error", len(b))
			}
			if r.Signature != nil && r.SigningBytes() != nil {
				t.Error("SigningBytes of an unencodable record is not nil")
			}
		})
	}
}

func TestSignUnencodable(t *testing.T) {
	t.Run("bad key", func(t *testing.T) {
		r := testRecord(t)
		r.Sign(ed25519.PrivateKey{1, 2, 3})
		if r.Signature != nil || r.Reporter != nil {
			t.Errorf("signed with a 3-byte key: %x %x", r.Reporter, r.Signature)
		}
		checkReason(t, Validate(r, testNow, Limits{}), ErrSignature)
	})
	t.Run("zoned ip", func(t *testing.T) {
		r := testRecord(t)
		r.SourceIP = netip.MustParseAddr("fe80::1%eth0")
		r.Sign(testKey(1))
		if r.Signature != nil {
			t.Error("signed a record that cannot be encoded")
		}
		if len(r.Reporter) != ed25519.PublicKeySize {
			t.Error("Reporter not set")
		}
	})
}

func TestUnmarshalErrors(t *testing.T) {
	good, err := Marshal(testRecord(t))
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in the v4 encoding of testRecord.
	const (
		offVersion = 3
		offFamily  = 4
		offNumber  = 4 + 1 + 4 + 1 + 8 + 8 + 4
	)
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrEncoding},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), ErrEncoding},
		{"version 0", edit(func(b []byte) []byte { b[offVersion] = 0; return b }), ErrVersion},
		{"version 3", edit(func(b []byte) []byte { b[offVersion] = 3; return b }), ErrVersion},
		// A version 1 body read as version 2: the reporter's first byte is
		// taken for a destination family.
		{"version 2 with a version 1 body", edit(func(b []byte) []byte { b[offVersion] = 2; return b }), ErrEncoding},
		{"version 2 without options", func() []byte {
			b := bytes.Clone(good[:len(good)-96])
			b[offVersion] = 2
			b = append(b, familyNone, 0, 0) // no destination, no raw
			return append(b, good[len(good)-96:]...)
		}(), ErrEncoding},
		{"version 2 raw over limit", func() []byte {
			b := bytes.Clone(good[:len(good)-96])
			b[offVersion] = 2
			b = append(b, familyNone)
			b = binary.BigEndian.AppendUint16(b, MaxRawLen+1)
			b = append(b, strings.Repeat("r", MaxRawLen+1)...)
			return append(b, good[len(good)-96:]...)
		}(), ErrEncoding},
		{"magic only", good[:3], ErrEncoding},
		{"family 5", edit(func(b []byte) []byte { b[offFamily] = 5; return b }), ErrEncoding},
		{"family 6 short", edit(func(b []byte) []byte { b[offFamily] = 6; return b[:20] }), ErrEncoding},
		{"trailing byte", append(bytes.Clone(good), 0), ErrEncoding},
		{"number length over limit", edit(func(b []byte) []byte { b[offNumber] = MaxNumberLen + 1; return b }), ErrEncoding},
		{"number length past end", edit(func(b []byte) []byte { b[offNumber] = 64; return b }), ErrEncoding},
		{"user agent length over limit", func() []byte {
			r := testRecord(t)
			r.CalledNumber, r.Method = "", ""
			r.Sign(testKey(1))
			b, _ := Marshal(r)
			off := offNumber + 2
			b[off], b[off+1] = 0x01, 0x01 // 257
			return b
		}(), ErrEncoding},
		{"method length over limit", func() []byte {
			r := testRecord(t)
			r.CalledNumber = ""
			r.Sign(testKey(1))
			b, _ := Marshal(r)
			b[offNumber+1] = MaxMethodLen + 1
			return b
		}(), ErrEncoding},
		{"over MaxEncodedSize", append(bytes.Clone(good), make([]byte, MaxEncodedSize)...), ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Unmarshal(tt.in)
			checkReason(t, err, tt.want)
			if r != nil {
				t.Error("record returned with the error")
			}
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(good) {
			if _, err := Unmarshal(good[:n]); err == nil {
				t.Fatalf("%d of %d bytes decoded", n, len(good))
			}
		}
	})
}

func TestUnmarshalDoesNotAlias(t *testing.T) {
	b, _ := Marshal(testRecord(t))
	r, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if err := Validate(r, testNow, Limits{}); err != nil {
		t.Errorf("record changed with its input: %v", err)
	}
}

// TestTamper flips bits in every byte of a signed encoding: each result
// must fail Unmarshal or Validate.
func TestTamper(t *testing.T) {
	for _, name := range []string{"v4", "v6"} {
		t.Run(name, func(t *testing.T) {
			r := testRecord(t)
			if name == "v6" {
				r.SourceIP = netip.MustParseAddr("2606:4700::1111")
				r.Sign(testKey(1))
			}
			good, _ := Marshal(r)
			if _, err := Unmarshal(good); err != nil {
				t.Fatal(err)
			}
			for i := range good {
				for _, mask := range []byte{0x01, 0x80, 0xff} {
					b := bytes.Clone(good)
					b[i] ^= mask
					got, err := Unmarshal(b)
					if err == nil {
						err = Validate(got, testNow, Limits{AllowPrivate: true})
					}
					if err == nil {
						t.Errorf("byte %d ^ %#x: tampered record accepted", i, mask)
					}
				}
			}
		})
	}
}
