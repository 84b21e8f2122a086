// Package record defines the signed bad-actor [Record] that SentryPeer nodes
// share with each other, its canonical binary encoding, and the checks every
// node applies before it stores or relays one ([Validate]).
//
// # Encoding
//
// Version 1 of the encoding, which every record without a destination or
// raw message uses, is, in order, with integers big-endian:
//
//	"SPR"              3 bytes, magic
//	version            1 byte, 1
//	family             1 byte, 4 or 6
//	source IP          4 or 16 bytes (family 6 keeps IPv4-mapped addresses as sent)
//	transport          1 byte (event.Transport)
//	first seen         int64, Unix nanoseconds
//	last seen          int64, Unix nanoseconds
//	count              uint32
//	called number      uint8 length, then at most [MaxNumberLen] bytes
//	method             uint8 length, then at most [MaxMethodLen] bytes
//	user agent         uint16 length, then at most [MaxUserAgentLen] bytes
//	reporter           32 bytes, Ed25519 public key
//	signature          64 bytes, Ed25519
//
// Version 2 (version byte 2) is used only by records that carry a
// destination or a raw message, which their reporter's operator chose to
// share; it inserts, after the user agent:
//
//	destination family 1 byte, 0 (none), 4 or 6
//	destination        4 or 16 bytes, then uint16 port; absent for family 0
//	raw message        uint16 length, then at most [MaxRawLen] bytes
//
// A version 2 encoding with neither is refused: version 1 is that record's
// one encoding.
//
// Every record has exactly one encoding, so the same record always encodes
// to the same bytes and a decoded record re-encodes to the bytes it came
// from. The signature covers "sentrypeer-record-v1\x00" followed by every
// byte before the signature ([Record.SigningBytes]); the domain prefix keeps
// a record signature from being valid for any other message signed with the
// node's identity key.
//
// [Unmarshal] checks only the structure; [Validate] checks the meaning
// (signature, addresses, number, times). A node must do both.
package record
