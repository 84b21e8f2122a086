package cli

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestListTable(t *testing.T) {
	f := &fakeAPI{}
	api := f.start(t)
	tests := []struct {
		name     string
		cmd      string
		args     []string
		want     []string // lines of stdout, spaces collapsed
		wantErr  string   // substring of stderr
		wantPath string
	}{
		{
			name: "ips first page of two",
			cmd:  "ips", args: []string{"--limit", "2", "--sort", "count", "--order", "asc"},
			want: []string{
				"IP COUNT FIRST SEEN LAST SEEN METHODS USER AGENTS SOURCES",
				`203.0.113.7 5 2026-11-20T10:00:00Z 2026-11-27T00:12:03Z INVITE,OPTIONS friendly-scanner\x1b]0;owned\x07\x1b[31m\u202eevil local`,
				"2001:db8::1 2 2026-11-21T01:02:03Z 2026-11-26T01:02:03Z REGISTER sipcli/v1.8 local",
			},
			wantErr:  "showing 2 of 3 IP addresses; use --all",
			wantPath: "/api/v1/ip-addresses?limit=2&order=asc&sort=count",
		},
		{
			name: "numbers",
			cmd:  "numbers",
			want: []string{
				"NUMBER COUNT FIRST SEEN LAST SEEN METHODS USER AGENTS SOURCES",
				"0044123 3 2026-11-20T10:00:00Z 2026-11-27T00:12:03Z INVITE friendly-scanner local",
				"100 1 2026-11-20T10:00:00Z 2026-11-26T00:00:00Z INVITE VaxSIPUserAgent local",
			},
			wantPath: "/api/v1/numbers?limit=100",
		},
		{
			name: "ips every page",
			cmd:  "ips", args: []string{"--limit=1", "--all"},
			want: []string{
				"IP COUNT FIRST SEEN LAST SEEN METHODS USER AGENTS SOURCES",
				`203.0.113.7 5 2026-11-20T10:00:00Z 2026-11-27T00:12:03Z INVITE,OPTIONS friendly-scanner\x1b]0;owned\x07\x1b[31m\u202eevil local`,
				"2001:db8::1 2 2026-11-21T01:02:03Z 2026-11-26T01:02:03Z REGISTER sipcli/v1.8 local",
				"198.51.100.9 1 2026-11-22T01:02:03Z 2026-11-25T01:02:03Z OPTIONS pplsip local",
			},
			wantPath: "/api/v1/ip-addresses?limit=1&offset=2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), nil, tt.cmd, append(tt.args, "--api", api)...)
			if res.code != ExitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if got := collapse(res.stdout); !slices.Equal(got, tt.want) {
				t.Errorf("stdout\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.wantErr == "" && res.stderr != "" || !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q, want %q", res.stderr, tt.wantErr)
			}
			if got := f.lastRequest().URL.RequestURI(); got != tt.wantPath {
				t.Errorf("last request %s, want %s", got, tt.wantPath)
			}
		})
	}
}

func TestListAllFollowsEveryOffset(t *testing.T) {
	f := &fakeAPI{}
	api := f.start(t)
	res := run(t, t.Context(), nil, "ips", "--api", api, "--limit", "1", "--all", "--json")
	if res.code != ExitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	want := []string{"/api/v1/ip-addresses?limit=1", "/api/v1/ip-addresses?limit=1&offset=1", "/api/v1/ip-addresses?limit=1&offset=2"}
	if got := f.paths(); !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	var doc struct {
		Total int       `json:"total"`
		Rows  []fakeRow `json:"ip_addresses"`
		Next  *int      `json:"next_offset"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	if doc.Total != 3 || len(doc.Rows) != 3 || doc.Next != nil {
		t.Errorf("got total %d, %d rows, next %v; want 3, 3, none", doc.Total, len(doc.Rows), doc.Next)
	}
	if !reflect.DeepEqual(doc.Rows, fakeIPs()) {
		t.Errorf("rows %+v, want %+v", doc.Rows, fakeIPs())
	}
}

func TestListJSONIsTheAPIPage(t *testing.T) {
	api := (&fakeAPI{}).start(t)
	for _, cmd := range []string{"ips", "numbers"} {
		t.Run(cmd, func(t *testing.T) {
			res := run(t, t.Context(), nil, cmd, "--api", api, "--json", "--limit", "1")
			if res.code != ExitOK {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
			}
			if doc["next_offset"] != 1.0 || doc["total"] == nil {
				t.Errorf("page %v lacks the API's total/next_offset", doc)
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	api := (&fakeAPI{}).start(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"limit zero", []string{"--limit", "0"}, "--limit must be at least 1"},
		{"limit over the API's cap", []string{"--limit", "5000"}, "400 Bad Request: limit must be 1..1000 (parameter limit)"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), nil, "ips", append(tt.args, "--api", api)...)
			if res.code != ExitFailure || !strings.Contains(res.stderr, tt.want) || res.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", res.code, res.stdout, res.stderr, tt.want)
			}
		})
	}
}

// collapse splits s into lines with runs of spaces made one, so that
// tests do not depend on column widths.
func collapse(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		out = append(out, strings.Join(strings.Fields(line), " "))
	}
	return out
}
