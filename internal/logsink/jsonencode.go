package logsink

import (
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// notFound is what the original writes for a called number or user agent
// that the message did not carry (BAD_ACTOR_NOT_FOUND in bad_actor.h).
const notFound = "NOT_FOUND"

// timestampLayout is the original's event_timestamp format ("%Y-%m-%d
// %H:%M:%S.%06ld" of the nanoseconds, which almost always prints nine
// digits). T-Pot parses it with "yyyy-MM-dd HH:mm:ss.SSSSSSSSS", so we always
// print exactly nine. Unlike the original (local time) we print UTC.
const timestampLayout = "2006-01-02 15:04:05.000000000"

// appendEvent appends e as one JSON object and a newline. The original's
// thirteen keys come first, in its order; ours follow. Every key is always
// present so that consumers see a stable schema.
// stamps, when not nil, keeps the last second formatted.
func appendEvent(b []byte, e *event.Event, info *AppInfo, stamps *stampCache) []byte {
	b = appendOriginal(b, e, info, Share{Raw: true, Destination: true}, stamps)
	return appendOurs(b, e)
}

// Share says what of the original's keys [AppendOriginal] fills in that
// the honeypot may want to keep to itself.
type Share struct {
	// Raw fills in sip_message; else it is "".
	Raw bool
	// Destination fills in destination_ip, the honeypot's own address;
	// else it is "".
	Destination bool
}

// AppendOriginal appends e as a JSON object of the original SentryPeer's
// thirteen keys only, in its order and encoded exactly as the JSON log
// encodes them, without a newline: the object its webhook posted. Keys
// that share leaves out are present, as "".
func AppendOriginal(b []byte, e *event.Event, info *AppInfo, share Share) []byte {
	return append(appendOriginal(b, e, info, share, nil), '}')
}

// appendOriginal appends the opening brace and the original's keys.
func appendOriginal(b []byte, e *event.Event, info *AppInfo, share Share, stamps *stampCache) []byte {
	b = append(b, `{"app_name":`...)
	b = appendString(b, info.Name)
	b = append(b, `,"app_version":`...)
	b = appendString(b, info.Version)
	b = append(b, `,"event_timestamp":"`...)
	b = stamps.append(b, e.Time)
	b = append(b, `","event_uuid":"`...)
	b, _ = e.ID.AppendText(b)
	b = append(b, `","created_by_node_id":"`...)
	b, _ = e.NodeID.AppendText(b)
	b = append(b, `","collected_method":`...)
	b = appendString(b, e.Collected.String())
	b = append(b, `,"transport_type":`...)
	b = appendString(b, e.Transport.String())
	b = append(b, `,"source_ip":"`...)
	b = appendAddr(b, e.Source)
	b = append(b, `","destination_ip":"`...)
	if share.Destination {
		b = appendAddr(b, e.Destination)
	}
	b = append(b, `","called_number":`...)
	b = appendString(b, orNotFound(e.CalledNumber))
	b = append(b, `,"sip_method":`...)
	b = appendString(b, e.Method)
	b = append(b, `,"sip_user_agent":`...)
	b = appendString(b, orNotFound(e.UserAgent))
	b = append(b, `,"sip_message":`...)
	if share.Raw {
		return appendString(b, e.Raw)
	}
	return append(b, `""`...)
}

// appendOurs appends the keys this rewrite adds, the closing brace and a
// newline.
func appendOurs(b []byte, e *event.Event) []byte {
	b = append(b, `,"source_port":`...)
	b = strconv.AppendUint(b, uint64(e.Source.Port()), 10)
	b = append(b, `,"destination_port":`...)
	b = strconv.AppendUint(b, uint64(e.Destination.Port()), 10)
	b = append(b, `,"sip_request_uri":`...)
	b = appendString(b, e.RequestURI)
	b = append(b, `,"called_number_normalised":`...)
	b = appendString(b, e.CalledNumberNorm)
	b = append(b, `,"sip_from":`...)
	b = appendString(b, e.From)
	b = append(b, `,"sip_to":`...)
	b = appendString(b, e.To)
	b = append(b, `,"sip_call_id":`...)
	b = appendString(b, e.CallID)
	b = append(b, `,"sip_cseq":`...)
	b = appendString(b, e.CSeq)
	b = append(b, `,"sip_contact":`...)
	b = appendString(b, e.Contact)
	b = append(b, `,"sip_via":`...)
	b = appendString(b, e.Via)
	b = append(b, `,"sip_message_truncated":`...)
	b = strconv.AppendBool(b, e.RawTruncated)
	b = append(b, `,"parse_error":`...)
	b = appendString(b, e.ParseError)
	return append(b, "}\n"...)
}

func orNotFound(s string) string {
	if s == "" {
		return notFound
	}
	return s
}

// appendAddr appends the bare address of ap, IPv4-mapped IPv6 addresses
// unmapped (consumers geolocate source_ip, as the original's dotted quad), or
// nothing when ap is the zero value. The output never needs escaping.
func appendAddr(b []byte, ap netip.AddrPort) []byte {
	return ap.Addr().Unmap().AppendTo(b)
}

// appendTimestamp appends t in UTC in [timestampLayout], by hand because
// time.AppendFormat costs several times more per line.
func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	if year := t.Year(); year < 0 || year > 9999 {
		return t.AppendFormat(b, timestampLayout)
	}
	return appendDigits(appendSecond(b, t), t.Nanosecond(), 9)
}

// appendSecond appends the 20 bytes of t before its nanoseconds,
// "2006-01-02 15:04:05.", for a UTC t of a four-digit year.
func appendSecond(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, ' ')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	return append(b, '.')
}

// stampCache keeps the formatted date and time of day of the last second
// it appended: at a flood's rate thousands of lines share them and only
// the nanoseconds differ. Formatting them was 1.4 % of a flood's CPU. A nil
// *stampCache formats every time.
type stampCache struct {
	sec    int64 // Unix seconds of prefix, when ok
	ok     bool
	prefix [20]byte
}

// append appends t as [appendTimestamp] does.
func (c *stampCache) append(b []byte, t time.Time) []byte {
	t = t.UTC()
	if c == nil {
		return appendTimestamp(b, t)
	}
	if sec := t.Unix(); !c.ok || sec != c.sec {
		if year := t.Year(); year < 0 || year > 9999 {
			return appendTimestamp(b, t)
		}
		appendSecond(c.prefix[:0], t)
		c.sec, c.ok = sec, true
	}
	return appendDigits(append(b, c.prefix[:]...), t.Nanosecond(), 9)
}

// appendDigits appends the non-negative v zero-padded to width digits
// (v must have at most width digits).
func appendDigits(b []byte, v, width int) []byte {
	n := len(b)
	for range width {
		b = append(b, '0')
	}
	for i := n + width - 1; i >= n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

const hexDigits = "0123456789abcdef"

// plain reports whether the byte c goes into a JSON string as it is: ASCII
// from space up, except the quote and the backslash. Bytes from 0x80 up take
// the UTF-8 path.
func plain(c byte) bool {
	return c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\'
}

// Byte-parallel tests on a little-endian word of 8 bytes (the "haszero"
// family of bit tricks): each leaves the high bit of some byte set if and
// only if one of the 8 bytes has the property.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load8 reads the 8 bytes of w as one little-endian word (one load: the
// compiler combines them).
func load8(w string) uint64 {
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// plain8 reports whether the 8 bytes of the word x are all [plain].
func plain8(x uint64) bool {
	q, bs := x^(ones*'"'), x^(ones*'\\')
	// x itself: a byte from 0x80 up; then a byte below 0x20, a quote, a
	// backslash.
	return (x|(x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

// plainRun returns the index of the first byte of s from i on that is not
// [plain], or len(s). Most of a probe is plain text between line ends, so it
// goes a word at a time, in a function of its own so that the loop keeps its
// words in registers: a svmap probe's line got 28 % cheaper to build
// (BenchmarkJSONEncode). appendString calls it only after a plain byte, so
// junk, where few bytes are plain, does not pay for the call.
func plainRun(s string, i int) int {
	for ; len(s)-i >= 8 && plain8(load8(s[i:i+8])); i += 8 {
	}
	for ; i < len(s) && plain(s[i]); i++ {
	}
	return i
}

// appendString appends s as a quoted JSON string, byte for byte as
// encoding/json with SetEscapeHTML(false) writes it: \b \f \n \r \t and \u00XX
// for the other control characters, each byte of invalid UTF-8 as \ufffd, and
// U+2028 and U+2029 escaped (JavaScript treats them as line ends).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain(c) {
			if i = plainRun(s, i+1); i == len(s) {
				break
			}
			c = s[i]
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
