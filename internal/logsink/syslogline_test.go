package logsink

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// fail2banRegex is the core of the filter in README.md, as fail2ban users
// write it (Python's (?P<name>) syntax, which Go accepts too).
var fail2banRegex = regexp.MustCompile(`Source IP: (?P<host>\S+), Method:`)

func TestAppendSyslogLine(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(e *event.Event)
		want   string
		wantIP string
	}{
		{
			name:   "sipvicious",
			want:   "Source IP: 203.0.113.5, Method: OPTIONS, Agent: friendly-scanner",
			wantIP: "203.0.113.5",
		},
		{
			name:   "absent values read NOT_FOUND",
			edit:   func(e *event.Event) { e.Method, e.UserAgent = "", "" },
			want:   "Source IP: 203.0.113.5, Method: NOT_FOUND, Agent: NOT_FOUND",
			wantIP: "203.0.113.5",
		},
		{
			name:   "IPv4-mapped source is unmapped",
			edit:   func(e *event.Event) { e.Source = netip.MustParseAddrPort("[::ffff:198.51.100.7]:5060") },
			want:   "Source IP: 198.51.100.7, Method: OPTIONS, Agent: friendly-scanner",
			wantIP: "198.51.100.7",
		},
		{
			name:   "IPv6 source",
			edit:   func(e *event.Event) { e.Source = netip.MustParseAddrPort("[2001:db8::5]:5060") },
			want:   "Source IP: 2001:db8::5, Method: OPTIONS, Agent: friendly-scanner",
			wantIP: "2001:db8::5",
		},
		{
			name: "line injection is neutralised",
			edit: func(e *event.Event) {
				e.UserAgent = "x\r\nJan  1 00:00:00 host sentrypeer[1]: Source IP: 8.8.8.8, Method: INVITE, Agent: y"
			},
			want:   "Source IP: 203.0.113.5, Method: OPTIONS, Agent: x??Jan  1 00:00:00 host sentrypeer[1]: Source IP: 8.8.8.8, Method: INVITE, Agent: y",
			wantIP: "203.0.113.5",
		},
		{
			name: "control characters, separators and invalid UTF-8",
			edit: func(e *event.Event) {
				e.Method, e.UserAgent = "INV\x00ITE", "a\tb\x1b[31m\x7f\u0085\u2028\u2029\xff Grüße"
			},
			want:   "Source IP: 203.0.113.5, Method: INV?ITE, Agent: a?b?[31m????? Grüße",
			wantIP: "203.0.113.5",
		},
		{
			name: "long fields are cut on a rune boundary",
			edit: func(e *event.Event) {
				e.Method, e.UserAgent = strings.Repeat("M", 100), "é"+strings.Repeat("日", 400)
			},
			want:   "Source IP: 203.0.113.5, Method: " + strings.Repeat("M", maxSyslogMethod) + ", Agent: é" + strings.Repeat("日", (maxSyslogAgent-2)/3),
			wantIP: "203.0.113.5",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testEvent(1)
			if tc.edit != nil {
				tc.edit(e)
			}
			got := string(appendSyslogLine([]byte("<13>"), e))
			if got != "<13>"+tc.want {
				t.Fatalf("got  %q\nwant %q", got, "<13>"+tc.want)
			}
			if strings.ContainsAny(got, "\r\n\x00") {
				t.Fatalf("control characters in %q", got)
			}
			m := fail2banRegex.FindStringSubmatch(got)
			if m == nil || m[fail2banRegex.SubexpIndex("host")] != tc.wantIP {
				t.Fatalf("fail2ban regex found %q, want host %s", m, tc.wantIP)
			}
		})
	}
}
