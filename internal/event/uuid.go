package event

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
)

// UUID is an RFC 9562 UUID. The zero value is the nil UUID.
type UUID [16]byte

// NewUUID returns a random (version 4) UUID.
func NewUUID() UUID {
	var u UUID
	rand.Read(u[:]) // never returns an error (crypto/rand, Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// ParseUUID parses the canonical 36-character form.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, errors.New("event: malformed UUID")
	}
	b := []byte(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	if _, err := hex.Decode(u[:], b); err != nil {
		return UUID{}, errors.New("event: malformed UUID")
	}
	return u, nil
}

// String returns the canonical lowercase form, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func (u UUID) String() string {
	var b [36]byte
	u.put(b[:])
	return string(b[:])
}

// AppendText implements [encoding.TextAppender].
func (u UUID) AppendText(b []byte) ([]byte, error) {
	n := len(b)
	b = append(b, make([]byte, 36)...)
	u.put(b[n:])
	return b, nil
}

// MarshalText implements [encoding.TextMarshaler].
func (u UUID) MarshalText() ([]byte, error) { return u.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler].
func (u *UUID) UnmarshalText(b []byte) error {
	v, err := ParseUUID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

func (u UUID) put(b []byte) {
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
}

// UUIDSource makes random (version 4) UUIDs from a ChaCha8 stream seeded
// from crypto/rand. It costs a fraction of [NewUUID], which asks the
// kernel each time: for the listener's UUID a probe, that was 1 % of a
// flood's CPU. A UUIDSource is not safe for concurrent use.
type UUIDSource struct{ r *mrand.ChaCha8 }

// NewUUIDSource returns a source seeded from crypto/rand.
func NewUUIDSource() *UUIDSource {
	var seed [32]byte
	rand.Read(seed[:])
	return &UUIDSource{r: mrand.NewChaCha8(seed)}
}

// New returns the next UUID.
func (s *UUIDSource) New() UUID {
	var u UUID
	s.r.Read(u[:]) // never returns an error
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
