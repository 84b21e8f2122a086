package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Headers of a signed POST.
const (
	SignatureHeader = "X-SentryPeer-Signature"
	TimestampHeader = "X-SentryPeer-Timestamp"
)

// Sign returns the X-SentryPeer-Signature of body sent at timestamp (the
// X-SentryPeer-Timestamp, Unix seconds in decimal): "sha256=" and the hex
// HMAC-SHA256, keyed with secret, of timestamp + "." + body. The timestamp
// is in the MAC so that a receiver can refuse a replayed old request.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is [Sign] of timestamp and body, in
// constant time. Receivers should also refuse timestamps far from their
// own clock.
func Verify(secret, timestamp string, body []byte, signature string) bool {
	if !strings.HasPrefix(signature, "sha256=") {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature))
}
