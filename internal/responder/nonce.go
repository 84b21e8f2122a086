package responder

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"net/netip"
	"time"
)

// A nonce is base64url(t || mac) where t is the issue time in Unix seconds
// (4 bytes, big endian) and mac the first 12 bytes of
// HMAC-SHA256(secret, 'n' || IP as 16 bytes || t). It is short on purpose:
// it must fit in a 401 no larger than the REGISTER it answers.
const (
	nonceTimeLen = 4
	nonceMACLen  = 12
	nonceLen     = ((nonceTimeLen+nonceMACLen)*8 + 5) / 6 // 22 base64 characters, unpadded
	toTagLen     = 8                                      // hex characters
)

// mac is a pooled HMAC with scratch space, so hashing does not allocate.
type mac struct {
	h   hash.Hash
	in  [64]byte
	sum [sha256.Size]byte
}

func newMAC(secret []byte) *mac {
	return &mac{h: hmac.New(sha256.New, secret)}
}

// nonceMAC computes the MAC of a nonce for ip issued at t into out.
func (r *Responder) nonceMAC(out *[nonceMACLen]byte, ip netip.Addr, t uint32) {
	m := r.macs.Get().(*mac)
	m.in[0] = 'n'
	a := ip.As16()
	copy(m.in[1:], a[:])
	binary.BigEndian.PutUint32(m.in[17:], t)
	m.h.Reset()
	m.h.Write(m.in[:1+16+nonceTimeLen])
	copy(out[:], m.h.Sum(m.sum[:0]))
	r.macs.Put(m)
}

// appendNonce appends a fresh nonce for ip to b.
func (r *Responder) appendNonce(b []byte, ip netip.Addr, now time.Time) []byte {
	var raw [nonceTimeLen + nonceMACLen]byte
	t := uint32(now.Unix())
	binary.BigEndian.PutUint32(raw[:], t)
	var mac [nonceMACLen]byte
	r.nonceMAC(&mac, ip, t)
	copy(raw[nonceTimeLen:], mac[:])
	return base64.RawURLEncoding.AppendEncode(b, raw[:])
}

// validNonce reports whether nonce was issued by us to ip no longer than
// NonceLifetime before now.
func (r *Responder) validNonce(nonce string, ip netip.Addr, now time.Time) bool {
	if len(nonce) != nonceLen {
		return false
	}
	var raw [nonceTimeLen + nonceMACLen]byte
	var src [nonceLen]byte
	copy(src[:], nonce)
	if n, err := base64.RawURLEncoding.Decode(raw[:], src[:]); err != nil || n != len(raw) {
		return false
	}
	t := binary.BigEndian.Uint32(raw[:])
	age := now.Unix() - int64(t)
	if age < 0 || age > int64(NonceLifetime/time.Second) {
		return false
	}
	var want [nonceMACLen]byte
	r.nonceMAC(&want, ip, t)
	return hmac.Equal(want[:], raw[nonceTimeLen:])
}

// appendToTag appends the To tag for a dialog-creating request: keyed by
// Call-ID only, so every retransmission gets the same tag, and keyed with
// the secret, so that the tag does not fingerprint the honeypot.
func (r *Responder) appendToTag(b []byte, callID string) []byte {
	m := r.macs.Get().(*mac)
	m.h.Reset()
	m.in[0] = 't'
	m.h.Write(m.in[:1])
	for s := callID; s != ""; { // in chunks: []byte(callID) would allocate
		n := copy(m.in[:], s)
		m.h.Write(m.in[:n])
		s = s[n:]
	}
	sum := m.h.Sum(m.sum[:0])
	b = hex.AppendEncode(b, sum[:toTagLen/2])
	r.macs.Put(m)
	return b
}
