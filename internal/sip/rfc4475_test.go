package sip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rfc4475Want is what the RFC 4475 messages must yield. Fields left empty
// in an entry are not checked, except Err, which always is.
type rfc4475Want struct {
	method, requestURI, callID, cseq, cseqMethod string
	from, to                                     string
	calledNumber                                 string
	contentLength                                int
	bodyLen                                      int
	vias                                         int
	statusCode                                   int
	err                                          error
}

// The valid messages of RFC 4475 3.1.1: every one must parse with Err nil.
var rfc4475Valid = map[string]rfc4475Want{
	"wsinv": {
		method: "INVITE", requestURI: "sip:vivekg@chair-dnrc.example.com;unknownparam",
		callID: "wsinv.ndaksdj@192.0.2.1", cseq: "0009 INVITE", cseqMethod: "INVITE",
		from:         `"J Rosenberg \\\""       <sip:jdrosen@example.com> ; tag = 98asjd8`,
		to:           "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
		calledNumber: "vivekg", contentLength: 150, bodyLen: 150, vias: 2,
	},
	"intmeth": {
		method:       "!interesting-Method0123456789_*+`.%indeed'~",
		requestURI:   "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
		callID:       `intmeth.word%ZK-!.*_+'@word` + "`~)(><:\\/\"][?}{",
		cseq:         "139122385 !interesting-Method0123456789_*+`.%indeed'~",
		cseqMethod:   "!interesting-Method0123456789_*+`.%indeed'~",
		to:           "\"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>",
		calledNumber: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/", vias: 1,
	},
	"esc01": {
		method: "INVITE", requestURI: "sip:sips%3Auser%40example.com@example.net",
		callID: "esc01.239409asdfakjkn23onasd0-3234", cseq: "234234 INVITE", cseqMethod: "INVITE",
		from: "<sip:I%20have%20spaces@example.net>;tag=938", to: "sip:%75se%72@example.com",
		calledNumber: "sips%3Auser%40example.com", contentLength: 150, bodyLen: 150, vias: 1,
	},
	"escnull": {
		method: "REGISTER", requestURI: "sip:example.com",
		callID: "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", cseq: "14398234 REGISTER", cseqMethod: "REGISTER",
		to: "sip:null-%00-null@example.com", calledNumber: "null-%00-null", vias: 1,
	},
	"esc02": {
		method: "RE%47IST%45R", requestURI: "sip:registrar.example.com",
		callID: "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", cseq: "29344 RE%47IST%45R", cseqMethod: "RE%47IST%45R",
		to: `"%Z%45" <sip:resource@example.com>`, calledNumber: "resource", vias: 1,
	},
	"lwsdisp": {
		method: "OPTIONS", requestURI: "sip:user@example.com",
		callID: "lwsdisp.1234abcd@funky.example.com", cseq: "60 OPTIONS", cseqMethod: "OPTIONS",
		from: "caller<sip:caller@example.com>;tag=323", calledNumber: "user", vias: 1,
	},
	"longreq": {
		method: "INVITE", requestURI: "sip:user@example.com",
		callID: "longreq.one" + strings.Repeat("really", 20) + "longcallid", cseq: "3882340 INVITE", cseqMethod: "INVITE",
		calledNumber: "user", contentLength: 150, bodyLen: 150, vias: 34,
	},
	"dblreq": { // two messages in one: the first is read
		method: "REGISTER", requestURI: "sip:example.com",
		callID: "dblreq.0ha0isndaksdj99sdfafnl3lk233412", cseq: "8 REGISTER", cseqMethod: "REGISTER",
		to: "sip:j.user@example.com", calledNumber: "j.user", vias: 1,
	},
	"semiuri": {
		method: "OPTIONS", requestURI: "sip:user;par=u%40example.net@example.com",
		callID: "semiuri.0ha0isndaksdj", cseq: "8 OPTIONS", cseqMethod: "OPTIONS",
		calledNumber: "user", vias: 1,
	},
	"transports": {
		method: "OPTIONS", requestURI: "sip:user@example.com",
		callID: "transports.kijh4akdnaqjkwendsasfdj", cseq: "60 OPTIONS", cseqMethod: "OPTIONS",
		from: "<sip:caller@example.com>;tag=323", calledNumber: "user", vias: 5,
	},
	"mpart01": {
		method: "MESSAGE", requestURI: "sip:kumiko@example.org",
		callID: "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", cseq: "1 MESSAGE", cseqMethod: "MESSAGE",
		from: "<sip:fluffy@example.com>;tag=2fb0dcc9", to: "<sip:kumiko@example.org>",
		calledNumber: "kumiko", contentLength: 553, bodyLen: 553, vias: 1,
	},
	"unreason": {
		statusCode: 200, callID: "unreason.1234ksdfak3j2erwedfsASdf", cseq: "35 INVITE", cseqMethod: "INVITE",
		to: "sip:user@example.edu;tag=2229", calledNumber: "user", contentLength: 154, bodyLen: 154, vias: 1,
	},
	"noreason": {
		statusCode: 100, callID: "noreason.asndj203insdf99223ndf", cseq: "35 INVITE", cseqMethod: "INVITE",
		calledNumber: "user", vias: 1,
	},
}

// What we chose for some invalid messages: only framing and start-line
// problems are errors; application-layer faults are not (see errors.go).
var rfc4475Invalid = map[string]rfc4475Want{
	"badvers":    {method: "OPTIONS", calledNumber: "t.watson", err: ErrBadVersion},
	"bigcode":    {calledNumber: "user", err: ErrBadStartLine},
	"ltgtruri":   {method: "INVITE", requestURI: "<sip:user@example.com>", calledNumber: "user", err: ErrBadStartLine},
	"lwsruri":    {method: "INVITE", requestURI: "sip:user@example.com; lr", calledNumber: "user", err: ErrBadStartLine},
	"clerr":      {method: "INVITE", contentLength: 9999, err: ErrTruncated},
	"ncl":        {method: "INVITE", contentLength: -1, err: ErrBadContentLength},
	"mcl01":      {contentLength: 13, bodyLen: 13, err: ErrDuplicateHeader},
	"multi01":    {callID: "multi01.98asdh@192.0.2.1", cseq: "5 INVITE", to: "sip:user@example.com", err: ErrDuplicateHeader},
	"lwsstart":   {method: "INVITE", requestURI: "sip:user@example.com", calledNumber: "user"},
	"trws":       {method: "OPTIONS", requestURI: "sip:remote-target@example.com", calledNumber: "remote-target"},
	"insuf":      {method: "INVITE", calledNumber: "user", contentLength: 152, bodyLen: 152},
	"scalar02":   {cseq: "36893488147419103232 REGISTER", cseqMethod: "REGISTER"},
	"quotbal":    {to: `"Mr. J. User <sip:j.user@example.com>`, calledNumber: "user"},
	"unkscm":     {requestURI: "nobodyKnowsThisScheme:totallyopaquecontent", calledNumber: "user"},
	"unksm2":     {to: "isbn:2983792873"},
	"inv2543":    {calledNumber: "UserB", contentLength: -1},
	"regaut01":   {calledNumber: "j.user"},
	"badinv01":   {vias: 1},
	"mismatch02": {method: "NEWMETHOD", cseqMethod: "INVITE"},
}

func TestRFC4475(t *testing.T) {
	files, err := filepath.Glob("testdata/rfc4475/*.dat")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 49 {
		t.Fatalf("found %d RFC 4475 messages, want 49", len(files))
	}
	seen := map[string]bool{}
	var m Message
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".dat")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msg := string(b)
			Parse(msg, &m) // must not panic, whatever the file
			checkInvariants(t, msg, &m)
			want, valid := rfc4475Valid[name]
			if !valid {
				var ok bool
				if want, ok = rfc4475Invalid[name]; !ok {
					return
				}
			}
			checkRFC4475(t, &m, want, valid)
		})
	}
	for name := range rfc4475Valid {
		if !seen[name] {
			t.Errorf("valid message %s.dat missing", name)
		}
	}
}

func checkRFC4475(t *testing.T, m *Message, w rfc4475Want, valid bool) {
	t.Helper()
	if m.Err != w.err {
		t.Errorf("Err = %v, want %v", m.Err, w.err)
	}
	str := func(field, got, want string) {
		if want != "" && got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	str("Method", m.Method, w.method)
	str("RequestURI", m.RequestURI, w.requestURI)
	str("CallID", m.CallID, w.callID)
	str("CSeq", m.CSeq, w.cseq)
	str("CSeqMethod", m.CSeqMethod, w.cseqMethod)
	str("From", m.From, w.from)
	str("To", m.To, w.to)
	str("CalledNumber", m.CalledNumber, w.calledNumber)
	if w.contentLength != 0 && m.ContentLength != w.contentLength {
		t.Errorf("ContentLength = %d, want %d", m.ContentLength, w.contentLength)
	}
	if w.bodyLen != 0 && len(m.Body) != w.bodyLen {
		t.Errorf("len(Body) = %d, want %d", len(m.Body), w.bodyLen)
	}
	if w.vias != 0 && len(m.Vias) != w.vias {
		t.Errorf("len(Vias) = %d, want %d", len(m.Vias), w.vias)
	}
	if valid {
		if m.IsResponse != (w.statusCode != 0) || m.StatusCode != w.statusCode {
			t.Errorf("IsResponse, StatusCode = %v, %d; want %v, %d", m.IsResponse, m.StatusCode, w.statusCode != 0, w.statusCode)
		}
		if m.Version != "SIP/2.0" {
			t.Errorf("Version = %q, want SIP/2.0", m.Version)
		}
		if m.CallID == "" || m.CSeq == "" || len(m.Vias) == 0 {
			t.Errorf("CallID, CSeq, len(Vias) = %q, %q, %d: want all set", m.CallID, m.CSeq, len(m.Vias))
		}
	}
}

func TestRFC4475Folded(t *testing.T) {
	b, err := os.ReadFile("testdata/rfc4475/wsinv.dat")
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	Parse(string(b), &m)
	wantVias := []string{
		"SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw",
		"SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239",
	}
	for i, want := range wantVias {
		if i >= len(m.Vias) || m.Vias[i] != want {
			t.Errorf("Vias = %q, want %q", m.Vias, wantVias)
			break
		}
	}
	if want := `"Quoted string \"\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33`; m.Contact != want {
		t.Errorf("Contact = %q, want %q", m.Contact, want)
	}
	if !strings.HasPrefix(m.Body, "v=0\r\n") || !strings.HasSuffix(m.Body, "a=rtpmap:31 LPC\r\n") {
		t.Errorf("Body = %q, want the SDP", m.Body)
	}
}
