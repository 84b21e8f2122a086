package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	f := &fakeAPI{}
	api := f.start(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		want     []string // stdout lines, spaces collapsed
		wantErr  string
		wantPath string // request URI, "" for none
	}{
		{
			name: "bad IP", args: []string{"203.0.113.7"}, code: ExitOK,
			want:     []string{"IP 203.0.113.7", "BAD yes", "COUNT 5", "FIRST SEEN 2026-11-20T10:00:00Z", "LAST SEEN 2026-11-27T00:12:03Z", "SOURCES local", "REPORTERS 1", "ENFORCE yes"},
			wantPath: "/api/v1/check/ip/203.0.113.7",
		},
		{
			name: "unknown IPv6 with a zone", args: []string{"fe80::1%eth0"}, code: ExitNotFound,
			want:     []string{"IP fe80::1", "BAD no"},
			wantPath: "/api/v1/check/ip/fe80::1",
		},
		{
			name: "bad number", args: []string{"0044123"}, code: ExitOK,
			want:     []string{"NUMBER 0044123", "BAD yes", "COUNT 3", "FIRST SEEN 2026-11-20T10:00:00Z", "LAST SEEN 2026-11-27T00:12:03Z", "SOURCES peer", "REPORTERS 1", "ENFORCE no (reported by peers, short of the quorum)"},
			wantPath: "/api/v1/check/number/0044123",
		},
		{
			name: "number with a slash is one path segment", args: []string{"+44/123"}, code: ExitOK,
			want:     []string{"NUMBER +44/123", "BAD yes", "COUNT 3", "FIRST SEEN 2026-11-20T10:00:00Z", "LAST SEEN 2026-11-27T00:12:03Z", "SOURCES peer", "REPORTERS 1", "ENFORCE no (reported by peers, short of the quorum)"},
			wantPath: "/api/v1/check/number/+44%2F123",
		},
		{
			name: "unknown number", args: []string{"999"}, code: ExitNotFound,
			want:     []string{"NUMBER 999", "BAD no"},
			wantPath: "/api/v1/check/number/999",
		},
		{
			name: "flags after the argument", args: []string{"999", "--json"}, code: ExitNotFound,
			want:     []string{"{", `"bad": false,`, `"number": "999"`, "}"},
			wantPath: "/api/v1/check/number/999",
		},
		{
			name: "server error", args: []string{"boom"}, code: ExitFailure,
			wantErr:  "/api/v1/check/number/boom: 503 Service Unavailable: store unavailable",
			wantPath: "/api/v1/check/number/boom",
		},
		{name: "no argument", code: ExitFailure, wantErr: "want an IP address or a number"},
		{name: "two arguments", args: []string{"1.2.3.4", "5"}, code: ExitFailure, wantErr: "got 2 arguments"},
		{name: "empty argument", args: []string{""}, code: ExitFailure, wantErr: "empty argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.paths())
			res := run(t, t.Context(), nil, "check", append([]string{"--api", api}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", res.code, tt.code, res.stderr)
			}
			if got := collapse(res.stdout); !slices.Equal(got, tt.want) {
				t.Errorf("stdout %q, want %q", got, tt.want)
			}
			if tt.wantErr == "" && res.stderr != "" || !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q, want %q", res.stderr, tt.wantErr)
			}
			paths := f.paths()[before:]
			switch {
			case tt.wantPath == "" && len(paths) > 0:
				t.Errorf("requests %q, want none", paths)
			case tt.wantPath != "" && !slices.Equal(paths, []string{tt.wantPath}):
				t.Errorf("requests %q, want %q", paths, tt.wantPath)
			}
		})
	}
}

func TestCheckJSON(t *testing.T) {
	api := (&fakeAPI{}).start(t)
	res := run(t, t.Context(), nil, "check", "--api", api, "--json", "203.0.113.7")
	if res.code != ExitOK {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.stdout)
	}
	if got["ip"] != "203.0.113.7" || got["bad"] != true || got["count"] != 5.0 || got["last_seen"] != "2026-11-27T00:12:03.123456789Z" {
		t.Errorf("JSON %v is not the API's reply", got)
	}
}
