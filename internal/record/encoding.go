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

	familyNone = 0 // version 2: no destination
	familyV4   = 4
	familyV6   = 6

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
	if r.hasOptions() {
		n += 1 + 16 + 2 + 2 + len(r.Raw)
	}
	return n
}

// hasOptions reports whether r needs version 2: a destination or raw
// message to carry.
func (r *Record) hasOptions() bool { return r.Destination.IsValid() || r.Raw != "" }

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
	case r.Destination.Addr().Zone() != "":
		return fmt.Errorf("destination has a zone: %w", ErrField)
	case len(r.Raw) > MaxRawLen:
		return fmt.Errorf("raw message is %d bytes, over %d: %w", len(r.Raw), MaxRawLen, ErrField)
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
	if r.hasOptions() {
		b = append(b, 2)
	} else {
		b = append(b, 1)
	}
	b = appendAddr(b, r.SourceIP)
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
	if r.hasOptions() {
		if r.Destination.IsValid() {
			b = appendAddr(b, r.Destination.Addr())
			b = binary.BigEndian.AppendUint16(b, r.Destination.Port())
		} else {
			b = append(b, familyNone)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(r.Raw)))
		b = append(b, r.Raw...)
	}
	b = append(b, r.Reporter...)
	return b, nil
}

// appendAddr appends an address family byte and the address.
func appendAddr(b []byte, ip netip.Addr) []byte {
	if ip.Is4() {
		a := ip.As4()
		return append(append(b, familyV4), a[:]...)
	}
	a := ip.As16()
	return append(append(b, familyV6), a[:]...)
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
	v := d.byte()
	if v != 1 && v != 2 {
		if d.err != nil {
			return nil, fmt.Errorf("decoding record: %w", d.err)
		}
		return nil, fmt.Errorf("decoding record: version %d: %w", v, ErrVersion)
	}
	r := &Record{}
	r.SourceIP = d.addr(false)
	r.Transport = event.Transport(d.byte())
	r.FirstSeen = time.Unix(0, int64(d.uint64())).UTC()
	r.LastSeen = time.Unix(0, int64(d.uint64())).UTC()
	r.Count = d.uint32()
	r.CalledNumber = d.string(int(d.byte()), MaxNumberLen, "called number")
	r.Method = d.string(int(d.byte()), MaxMethodLen, "method")
	r.UserAgent = d.string(int(d.uint16()), MaxUserAgentLen, "user agent")
	if v == 2 {
		if ip := d.addr(true); ip.IsValid() {
			r.Destination = netip.AddrPortFrom(ip, d.uint16())
		}
		r.Raw = d.string(int(d.uint16()), MaxRawLen, "raw message")
		if d.err == nil && !r.hasOptions() {
			// Version 1 is the one encoding of a record without them.
			d.err = fmt.Errorf("version 2 without a destination or raw message: %w", ErrEncoding)
		}
	}
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

// addr reads an address family byte and the address; family 0 (the zero
// Addr) is accepted only where none is allowed.
func (d *decoder) addr(noneOK bool) netip.Addr {
	switch fam := d.byte(); {
	case fam == familyV4:
		return netip.AddrFrom4([4]byte(d.take(4)))
	case fam == familyV6:
		return netip.AddrFrom16([16]byte(d.take(16)))
	case fam == familyNone && noneOK:
		return netip.Addr{}
	default:
		if d.err == nil {
			d.err = fmt.Errorf("address family %d: %w", fam, ErrEncoding)
		}
		return netip.Addr{}
	}
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
