package record

import (
	"strings"
	"unicode/utf8"
)

// CleanMethod returns m as a Record's Method: m cut to [MaxMethodLen] bytes
// if it is an RFC 3261 token, else "". It does not allocate.
func CleanMethod(m string) string {
	if !isToken(m) {
		return ""
	}
	if len(m) > MaxMethodLen {
		m = m[:MaxMethodLen]
	}
	return m
}

// CleanUserAgent returns ua as a Record's UserAgent: NUL bytes removed and
// the rest cut to at most [MaxUserAgentLen] bytes, backing off so as not to
// split a UTF-8 sequence. Other bytes are kept as sent. It allocates only
// when ua has a NUL.
func CleanUserAgent(ua string) string {
	if strings.IndexByte(ua, 0) >= 0 {
		ua = strings.ReplaceAll(ua, "\x00", "")
	}
	if len(ua) <= MaxUserAgentLen {
		return ua
	}
	cut := MaxUserAgentLen
	for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(ua[cut]); i++ {
		cut--
	}
	return ua[:cut]
}
