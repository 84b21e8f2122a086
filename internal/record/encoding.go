package record

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

const (
	magic = "SPR"
	// signingDomain prefixes the signed bytes so that a record signature
	// cannot be replayed as a signature over anything else the node signs.
	signingDomain = "sentrypeer-record-v1\x00"

	familyV4 = 4
	familyV6 = 6

	// fixedLen is every byte of an encoding except the IP, the three
	// strings and the signature: magic, version, family, transport, two
	// times, count, three length prefixes and the reporter.
	fixedLen = len(magic) + 1 + 1 + 1 + 8 + 8 + 4 + 1 + 1 + 2 + ed25519.PublicKeySize
)

// Marshal returns the canonical encoding of r, signature included. It fails
// (with an error wrapping one of the sentinel reasons) when r cannot be
// encoded: SourceIP invalid or zoned, a string over its limit, a time
// outside the years 1678 to 2262, or Reporter or Signature of the wrong
// length. It does not check the signature or the fields' meaning: that is
// [Validate]'s job.
func Marshal(r *Record) ([]byte, error) {
	if len(r.Signature) != ed25519.SignatureSize {
		return nil, fmt.Errorf("encoding record: signature is %d bytes, want %d: %w",
			len(r.Signature), ed25519.SignatureSize, ErrSignature)
	}
	b, err := appendUnsigned(make([]byte, 0, encodedLen(r)), r)
	if err != nil {
		return nil, fmt.Errorf("encoding record: %w", err)
	}
	return append(b, r.Signature...), nil
}

// SigningBytes returns the bytes that Signature signs:
// "sentrypeer-record-v1\x00" followed by the encoding of r without the
// signature. It returns nil when r cannot be encoded (see [Marshal]).
func (r *Record) SigningBytes() []byte {
	b := make([]byte, 0, len(signingDomain)+encodedLen(r)-ed25519.SignatureSize)
	b = append(b, signingDomain...)
	b, err := appendUnsigned(b, r)
	if err != nil {
		return nil
	}
	return b
}

func encodedLen(r *Record) int {
	n := fixedLen + 16 + len(r.CalledNumber) + len(r.Method) + len(r.UserAgent) + ed25519.SignatureSize
	if r.SourceIP.Is4() {
		n -= 12
	}
	return n
}

// encodable reports why r cannot be encoded, or nil.
func encodable(r *Record) error {
	switch {
	case !r.SourceIP.IsValid():
		return fmt.Errorf("no source ip: %w", ErrIP)
	case r.SourceIP.Zone() != "":
		return fmt.Errorf("source ip has a zone: %w", ErrIP)
	case len(r.CalledNumber) > MaxNumberLen:
		return fmt.Errorf("called number is %d bytes, over %d: %w", len(r.CalledNumber), MaxNumberLen, ErrNumber)
	case len(r.Method) > MaxMethodLen:
		return fmt.Errorf("method is %d bytes, over %d: %w", len(r.Method), MaxMethodLen, ErrField)
	case len(r.UserAgent) > MaxUserAgentLen:
		return fmt.Errorf("user agent is %d bytes, over %d: %w", len(r.UserAgent), MaxUserAgentLen, ErrField)
	case !encodableTime(r.FirstSeen):
		return fmt.Errorf("first seen %v out of range: %w", r.FirstSeen, ErrField)
	case !encodableTime(r.LastSeen):
		return fmt.Errorf("last seen %v out of range: %w", r.LastSeen, ErrField)
	case len(r.Reporter) != ed25519.PublicKeySize:
		return fmt.Errorf("reporter key is %d bytes, want %d: %w", len(r.Reporter), ed25519.PublicKeySize, ErrSignature)
	}
	return nil
}

// encodableTime reports whether t survives the trip through int64 Unix
// nanoseconds (the zero Time does not).
func encodableTime(t time.Time) bool {
	return time.Unix(0, t.UnixNano()).Equal(t)
}

// appendUnsigned appends the encoding of r without its signature.
func appendUnsigned(b []byte, r *Record) ([]byte, error) {
	if err := encodable(r); err != nil {
		return nil, err
	}
	b = append(b, magic...)
	b = append(b, Version)
	if r.SourceIP.Is4() {
		a := r.SourceIP.As4()
		b = append(b, familyV4)
		b = append(b, a[:]...)
	} else {
		a := r.SourceIP.As16()
		b = append(b, familyV6)
		b = append(b, a[:]...)
	}
	b = append(b, byte(r.Transport))
	b = binary.BigEndian.AppendUint64(b, uint64(r.FirstSeen.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(r.LastSeen.UnixNano()))
	b = binary.BigEndian.AppendUint32(b, r.Count)
	b = append(b, byte(len(r.CalledNumber)))
	b = append(b, r.CalledNumber...)
	b = append(b, byte(len(r.Method)))
	b = append(b, r.Method...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.UserAgent)))
	b = append(b, r.UserAgent...)
	b = append(b, r.Reporter...)
	return b, nil
}

// Unmarshal decodes one record encoded by [Marshal]. It is strict: it
// refuses input over [MaxEncodedSize], a wrong magic, a version other than
// [Version] ([ErrVersion]), an unknown address family, a string over its
// limit, truncated input and trailing bytes ([ErrEncoding]). It checks
// structure only; call [Validate] before trusting the record. The result
// shares no memory with b. Unmarshal never panics.
func Unmarshal(b []byte) (*Record, error) {
	if len(b) > MaxEncodedSize {
		return nil, fmt.Errorf("decoding record: %d bytes, over %d: %w", len(b), MaxEncodedSize, ErrEncoding)
	}
	d := decoder{b: b}
	if string(d.take(len(magic))) != magic {
		return nil, fmt.Errorf("decoding record: bad magic: %w", ErrEncoding)
	}
	if v := d.byte(); v != Version {
		if d.err != nil {
			return nil, fmt.Errorf("decoding record: %w", d.err)
		}
		return nil, fmt.Errorf("decoding record: version %d: %w", v, ErrVersion)
	}
	r := &Record{}
	switch fam := d.byte(); fam {
	case familyV4:
		r.SourceIP = netip.AddrFrom4([4]byte(d.take(4)))
	case familyV6:
		r.SourceIP = netip.AddrFrom16([16]byte(d.take(16)))
	default:
		if d.err == nil {
			d.err = fmt.Errorf("address family %d: %w", fam, ErrEncoding)
		}
	}
	r.Transport = event.Transport(d.byte())
	r.FirstSeen = time.Unix(0, int64(d.uint64())).UTC()
	r.LastSeen = time.Unix(0, int64(d.uint64())).UTC()
	r.Count = d.uint32()
	r.CalledNumber = d.string(int(d.byte()), MaxNumberLen, "called number")
	r.Method = d.string(int(d.byte()), MaxMethodLen, "method")
	r.UserAgent = d.string(int(d.uint16()), MaxUserAgentLen, "user agent")
	r.Reporter = ed25519.PublicKey(clone(d.take(ed25519.PublicKeySize)))
	r.Signature = clone(d.take(ed25519.SignatureSize))
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes: %w", len(d.b), ErrEncoding)
	}
	if d.err != nil {
		return nil, fmt.Errorf("decoding record: %w", d.err)
	}
	return r, nil
}

// decoder reads fields from the front of b. After the first error every
// read returns a zero value (a zero-filled slice for take, so that fixed-
// size conversions never panic) and err keeps that first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err == nil && len(d.b) < n {
		d.err = fmt.Errorf("truncated: %w", ErrEncoding)
	}
	if d.err != nil {
		return make([]byte, n)
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte     { return d.take(1)[0] }
func (d *decoder) uint16() uint16 { return binary.BigEndian.Uint16(d.take(2)) }
func (d *decoder) uint32() uint32 { return binary.BigEndian.Uint32(d.take(4)) }
func (d *decoder) uint64() uint64 { return binary.BigEndian.Uint64(d.take(8)) }

// string reads n bytes as a string, refusing n over limit.
func (d *decoder) string(n, limit int, name string) string {
	if d.err == nil && n > limit {
		d.err = fmt.Errorf("%s is %d bytes, over %d: %w", name, n, limit, ErrEncoding)
	}
	if d.err != nil {
		return ""
	}
	return string(d.take(n))
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
