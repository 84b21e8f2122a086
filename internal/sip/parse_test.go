package sip

import (
	"strings"
	"testing"
)

func TestParseStartLine(t *testing.T) {
	const hdrs = "\r\nCall-ID: x\r\n\r\n"
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{
			name: "request",
			in:   "OPTIONS sip:100@1.1.1.1 SIP/2.0" + hdrs,
			want: Message{Method: "OPTIONS", RequestURI: "sip:100@1.1.1.1", Version: "SIP/2.0", CalledNumber: "100"},
		},
		{
			name: "extra whitespace and tabs",
			in:   "  INVITE \t sip:100@h  \tSIP/2.0 \t" + hdrs,
			want: Message{Method: "INVITE", RequestURI: "sip:100@h", Version: "SIP/2.0", CalledNumber: "100"},
		},
		{
			name: "leading line breaks are skipped",
			in:   "\r\n\r\n\nOPTIONS sip:h SIP/2.0" + hdrs,
			want: Message{Method: "OPTIONS", RequestURI: "sip:h", Version: "SIP/2.0"},
		},
		{
			name: "lower-case version",
			in:   "OPTIONS sip:h sip/2.0" + hdrs,
			want: Message{Method: "OPTIONS", RequestURI: "sip:h", Version: "sip/2.0"},
		},
		{
			name: "status line",
			in:   "SIP/2.0 404 Not Found" + hdrs,
			want: Message{IsResponse: true, StatusCode: 404, Reason: "Not Found", Version: "SIP/2.0"},
		},
		{
			name: "status line without reason",
			in:   "SIP/2.0 100" + hdrs,
			want: Message{IsResponse: true, StatusCode: 100, Version: "SIP/2.0"},
		},
		{
			name: "status code too long",
			in:   "SIP/2.0 2000 OK" + hdrs,
			want: Message{IsResponse: true, Reason: "OK", Version: "SIP/2.0", Err: ErrBadStartLine},
		},
		{
			name: "status code out of range",
			in:   "SIP/2.0 099 Early" + hdrs,
			want: Message{IsResponse: true, Reason: "Early", Version: "SIP/2.0", Err: ErrBadStartLine},
		},
		{
			name: "status code missing",
			in:   "SIP/2.0" + hdrs,
			want: Message{IsResponse: true, Version: "SIP/2.0", Err: ErrBadStartLine},
		},
		{
			name: "response with other version",
			in:   "SIP/3.0 200 OK" + hdrs,
			want: Message{IsResponse: true, StatusCode: 200, Reason: "OK", Version: "SIP/3.0", Err: ErrBadVersion},
		},
		{
			name: "request with other version",
			in:   "OPTIONS sip:h SIP/7.0" + hdrs,
			want: Message{Method: "OPTIONS", RequestURI: "sip:h", Version: "SIP/7.0", Err: ErrBadVersion},
		},
		{
			name: "no version",
			in:   "INVITE sip:100@h" + hdrs,
			want: Message{Method: "INVITE", RequestURI: "sip:100@h", CalledNumber: "100", Err: ErrBadStartLine},
		},
		{
			name: "space inside the Request-URI",
			in:   "INVITE sip:100@h; lr SIP/2.0" + hdrs,
			want: Message{Method: "INVITE", RequestURI: "sip:100@h; lr", Version: "SIP/2.0", CalledNumber: "100", Err: ErrBadStartLine},
		},
		{
			name: "Request-URI without scheme",
			in:   "INVITE <sip:100@h> SIP/2.0" + hdrs,
			want: Message{Method: "INVITE", RequestURI: "<sip:100@h>", Version: "SIP/2.0", CalledNumber: "100", Err: ErrBadStartLine},
		},
		{
			name: "method not a token",
			in:   "INV(TE sip:h SIP/2.0" + hdrs,
			want: Message{Err: ErrNotSIP, CallID: "x"},
		},
		{
			name: "lone word",
			in:   "hello" + hdrs,
			want: Message{Err: ErrNotSIP},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			want := tt.want
			want.CallID = "x"
			want.ContentLength = -1
			checkMessage(t, &m, &want)
		})
	}
}

func TestParseHeaders(t *testing.T) {
	const start = "OPTIONS sip:h SIP/2.0\r\n"
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{
			name: "long forms any case, space before colon",
			in: start + crlf(
				"FROM : <sip:a@h>;tag=1",
				"to:\t<sip:b@h>",
				"CALL-ID  :  abc  ",
				"cseq: 7 OPTIONS",
				"user-AGENT: friendly-scanner",
				"CONTACT: <sip:a@1.2.3.4>",
				"VIA: SIP/2.0/UDP 1.2.3.4",
				"content-length: 0",
				"", ""),
			want: Message{From: "<sip:a@h>;tag=1", To: "<sip:b@h>", CallID: "abc", CSeq: "7 OPTIONS",
				CSeqMethod: "OPTIONS", UserAgent: "friendly-scanner", Contact: "<sip:a@1.2.3.4>",
				Vias: []string{"SIP/2.0/UDP 1.2.3.4"}, ContentLength: 0, CalledNumber: "b"},
		},
		{
			name: "compact forms",
			in: start + crlf(
				"f: <sip:a@h>",
				"T: <sip:b@h>",
				"i: abc",
				"V: SIP/2.0/UDP 1.2.3.4",
				"v: SIP/2.0/TCP 5.6.7.8",
				"m: <sip:a@1.2.3.4>",
				"c: application/sdp",
				"k: timer",
				"s: hi",
				"e: gzip",
				"L: 2",
				"", "ab"),
			want: Message{From: "<sip:a@h>", To: "<sip:b@h>", CallID: "abc", Contact: "<sip:a@1.2.3.4>",
				Vias: []string{"SIP/2.0/UDP 1.2.3.4", "SIP/2.0/TCP 5.6.7.8"}, ContentLength: 2,
				Body: "ab", CalledNumber: "b"},
		},
		{
			name: "authorization first seen wins",
			in: start + crlf(
				"Proxy-Authorization: Digest username=\"p\"",
				"Authorization: Digest username=\"a\"",
				"", ""),
			want: Message{Authorization: `Digest username="p"`, ContentLength: -1},
		},
		{
			name: "authorization alone",
			in:   start + crlf("authorization: Digest username=\"100\"", "", ""),
			want: Message{Authorization: `Digest username="100"`, ContentLength: -1},
		},
		{
			name: "first Contact and User-Agent win without error",
			in:   start + crlf("Contact: <sip:1@h>", "Contact: <sip:2@h>", "User-Agent: a", "User-Agent: b", "", ""),
			want: Message{Contact: "<sip:1@h>", UserAgent: "a", ContentLength: -1},
		},
		{
			name: "repeated Call-ID",
			in:   start + crlf("Call-ID: one", "i: two", "", ""),
			want: Message{CallID: "one", ContentLength: -1, Err: ErrDuplicateHeader},
		},
		{
			name: "repeated Content-Length",
			in:   start + crlf("Content-Length: 3", "l: 5", "", "abcdef"),
			want: Message{ContentLength: 3, Body: "abc", Err: ErrDuplicateHeader},
		},
		{
			name: "empty values",
			in:   start + crlf("To:", "From:   ", "", ""),
			want: Message{ContentLength: -1},
		},
		{
			name: "line without colon",
			in:   start + crlf("garbage here", "Call-ID: kept", "", ""),
			want: Message{CallID: "kept", ContentLength: -1, Err: ErrBadHeader},
		},
		{
			name: "empty header name",
			in:   start + crlf(": nothing", "Call-ID: kept", "", ""),
			want: Message{CallID: "kept", ContentLength: -1, Err: ErrBadHeader},
		},
		{
			name: "header name with a space",
			in:   start + crlf("Call ID: no", "", ""),
			want: Message{ContentLength: -1, Err: ErrBadHeader},
		},
		{
			name: "continuation with nothing to continue",
			in:   start + crlf(" stray", "Call-ID: kept", "", ""),
			want: Message{CallID: "kept", ContentLength: -1, Err: ErrBadHeader},
		},
		{
			name: "bare LF line ends",
			in:   "OPTIONS sip:h SIP/2.0\nCall-ID: abc\nTo: <sip:7@h>\nl: 1\n\nxy",
			want: Message{CallID: "abc", To: "<sip:7@h>", ContentLength: 1, Body: "x", CalledNumber: "7"},
		},
		{
			name: "mixed line ends",
			in:   "OPTIONS sip:h SIP/2.0\r\nCall-ID: abc\nl: 0\r\n\n",
			want: Message{CallID: "abc", ContentLength: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			want := tt.want
			want.Method, want.RequestURI, want.Version = "OPTIONS", "sip:h", "SIP/2.0"
			checkMessage(t, &m, &want)
		})
	}
}

func TestParseFolding(t *testing.T) {
	const start = "INVITE sip:h SIP/2.0\r\n"
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{
			name: "value on the next line",
			in:   start + crlf("To :", " <sip:55@h> ;tag=1", "", ""),
			want: Message{To: "<sip:55@h> ;tag=1", CalledNumber: "55"},
		},
		{
			name: "CSeq over two lines",
			in:   start + crlf("cseq: 0009", "  INVITE", "", ""),
			want: Message{CSeq: "0009 INVITE", CSeqMethod: "INVITE"},
		},
		{
			name: "tabs and several lines",
			in:   start + crlf("Via: SIP / 2.0", "\t/UDP", "    1.2.3.4;branch=z9", "Call-ID: c", "", ""),
			want: Message{Vias: []string{"SIP / 2.0 /UDP 1.2.3.4;branch=z9"}, CallID: "c"},
		},
		{
			name: "bare LF folding",
			in:   "INVITE sip:h SIP/2.0\nFrom: a\n b\n\n",
			want: Message{From: "a b"},
		},
		{
			name: "whitespace-only continuation adds nothing",
			in:   start + crlf("From: a", "   ", " b", "", ""),
			want: Message{From: "a b"},
		},
		{
			name: "stray CR inside a folded value becomes a space",
			in:   start + crlf("From: a\rb", " c", "", ""),
			want: Message{From: "a b c"},
		},
		{
			name: "folded skipped header",
			in:   start + crlf("Subject: a", " b", "Call-ID: c", "", ""),
			want: Message{CallID: "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			want := tt.want
			want.Method, want.RequestURI, want.Version = "INVITE", "sip:h", "SIP/2.0"
			want.ContentLength = -1
			checkMessage(t, &m, &want)
		})
	}
}

func TestParseBody(t *testing.T) {
	const start = "MESSAGE sip:h SIP/2.0\r\n"
	tests := []struct {
		name     string
		in       string
		wantCL   int
		wantBody string
		wantErr  error
	}{
		{"no Content-Length takes the rest", start + "\r\nhello", -1, "hello", nil},
		{"cut to Content-Length", start + "l: 3\r\n\r\nhello", 3, "hel", nil},
		{"exact", start + "l: 5\r\n\r\nhello", 5, "hello", nil},
		{"leading zeros", start + "l: 005\r\n\r\nhello", 5, "hello", nil},
		{"longer than the body", start + "l: 9\r\n\r\nhello", 9, "hello", ErrTruncated},
		{"negative", start + "l: -1\r\n\r\nhello", -1, "hello", ErrBadContentLength},
		{"not a number", start + "l: five\r\n\r\nhello", -1, "hello", ErrBadContentLength},
		{"empty", start + "l:\r\n\r\nhello", -1, "hello", ErrBadContentLength},
		{"too large", start + "l: 2147483648\r\n\r\nhello", -1, "hello", ErrBadContentLength},
		{"huge", start + "l: 99999999999999999999999\r\n\r\nhello", -1, "hello", ErrBadContentLength},
		{"no blank line", start + "l: 0\r\n", 0, "", ErrTruncated},
		{"no line end after last header", start + "l: 0", 0, "", ErrTruncated},
		{"start line only", "MESSAGE sip:h SIP/2.0", -1, "", ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			if m.ContentLength != tt.wantCL || m.Body != tt.wantBody || m.Err != tt.wantErr {
				t.Errorf("ContentLength, Body, Err = %d, %q, %v; want %d, %q, %v",
					m.ContentLength, m.Body, m.Err, tt.wantCL, tt.wantBody, tt.wantErr)
			}
		})
	}
}

func TestParseNotSIP(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"empty", "", Message{Err: ErrNoStartLine}},
		{"CRLF keep-alive", "\r\n\r\n", Message{Err: ErrNoStartLine}},
		{"whitespace", " \t \r\n", Message{Err: ErrNoStartLine}},
		{
			name: "TLS ClientHello",
			in:   "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\x5e\x00\x0a\x0d\x00",
			want: Message{Err: ErrNotSIP},
		},
		{
			name: "binary junk with line breaks and colons",
			in:   "\x00\xff\x80 \x01 \x02\n\x03:\x04\n\n\x05",
			want: Message{Err: ErrNotSIP, Body: "\x05"},
		},
		{
			name: "HTTP GET from a web scanner",
			in:   crlf("GET / HTTP/1.1", "Host: 203.0.113.5:5060", "User-Agent: Mozilla/5.0 zgrab/0.x", "Accept: */*", "", ""),
			want: Message{Err: ErrNotSIP, Method: "GET", RequestURI: "/", Version: "HTTP/1.1", UserAgent: "Mozilla/5.0 zgrab/0.x"},
		},
		{
			name: "RTSP",
			in:   crlf("OPTIONS rtsp://203.0.113.5/ RTSP/1.0", "CSeq: 1", "", ""),
			want: Message{Err: ErrNotSIP, Method: "OPTIONS", RequestURI: "rtsp://203.0.113.5/", Version: "RTSP/1.0", CSeq: "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			Parse(tt.in, &m)
			want := tt.want
			want.ContentLength = -1
			checkMessage(t, &m, &want)
		})
	}
}

func TestParseLimits(t *testing.T) {
	t.Run("Vias capped", func(t *testing.T) {
		in := "OPTIONS sip:h SIP/2.0\r\n" + strings.Repeat("v: SIP/2.0/UDP h\r\n", MaxVias+10) + "\r\n"
		var m Message
		Parse(in, &m)
		if len(m.Vias) != MaxVias || m.Err != nil {
			t.Errorf("len(Vias), Err = %d, %v; want %d, nil", len(m.Vias), m.Err, MaxVias)
		}
	})
	t.Run("header lines capped", func(t *testing.T) {
		in := "OPTIONS sip:h SIP/2.0\r\n" + strings.Repeat("X: y\r\n", MaxHeaderLines) + "Call-ID: late\r\n\r\n"
		var m Message
		Parse(in, &m)
		if m.Err != ErrTooManyHeaders || m.CallID != "" {
			t.Errorf("Err, CallID = %v, %q; want %v, \"\"", m.Err, m.CallID, ErrTooManyHeaders)
		}
	})
	t.Run("continuation lines count", func(t *testing.T) {
		in := "OPTIONS sip:h SIP/2.0\r\nFrom: a\r\n" + strings.Repeat(" b\r\n", MaxHeaderLines) + "\r\n"
		var m Message
		Parse(in, &m)
		if m.Err != ErrTooManyHeaders {
			t.Errorf("Err = %v, want %v", m.Err, ErrTooManyHeaders)
		}
		if want := "a" + strings.Repeat(" b", MaxHeaderLines-1); m.From != want {
			t.Errorf("From has %d bytes, want %d", len(m.From), len(want))
		}
	})
	t.Run("exactly MaxHeaderLines is fine", func(t *testing.T) {
		in := "OPTIONS sip:h SIP/2.0\r\n" + strings.Repeat("X: y\r\n", MaxHeaderLines) + "\r\nbody"
		var m Message
		Parse(in, &m)
		if m.Err != nil || m.Body != "body" {
			t.Errorf("Err, Body = %v, %q; want nil, \"body\"", m.Err, m.Body)
		}
	})
}

func TestParseReuse(t *testing.T) {
	var m Message
	Parse(crlf("INVITE sip:1@h SIP/2.0", "Via: a", "Via: b", "Via: c", "Call-ID: x", "l: 0", "", ""), &m)
	vias := m.Vias[:cap(m.Vias)]
	Parse(crlf("SIP/2.0 200 OK", "Via: d", "", ""), &m)
	want := Message{IsResponse: true, StatusCode: 200, Reason: "OK", Version: "SIP/2.0", Vias: []string{"d"}, ContentLength: -1}
	checkMessage(t, &m, &want)
	if &m.Vias[0] != &vias[0] {
		t.Error("Vias storage was not reused")
	}
	for i, v := range vias[1:] {
		if v != "" {
			t.Errorf("old Via %d still referenced: %q", i+1, v)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	var m Message
	for _, tt := range []struct {
		name string
		in   string
		want float64
	}{
		{"options", sipviciousOptions, 0},
		{"invite", tollFraudInvite, 0},
		{"folded", crlf("INVITE sip:h SIP/2.0", "From: a", " b", "To: c", " d", "Via: e", "", ""), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			Parse(tt.in, &m) // size Vias
			if got := testing.AllocsPerRun(100, func() { Parse(tt.in, &m) }); got != tt.want {
				t.Errorf("allocs = %v, want %v", got, tt.want)
			}
		})
	}
}
