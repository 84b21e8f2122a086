package cli

import (
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	f := &fakeAPI{}
	api := f.start(t)
	const body = "\n203.0.113.7\n\x00\xff raw bytes\n"
	tests := []struct {
		name     string
		args     []string
		code     int
		wantOut  string
		wantErr  string
		wantPath string
	}{
		{name: "default txt", code: ExitOK, wantOut: "format=txt kind=" + body, wantPath: "/api/v1/export?format=txt"},
		{name: "nft", args: []string{"--format", "nft"}, code: ExitOK, wantOut: "format=nft kind=" + body, wantPath: "/api/v1/export?format=nft"},
		{name: "csv of all", args: []string{"--format=csv", "--kind=all"}, code: ExitOK, wantOut: "format=csv kind=all" + body, wantPath: "/api/v1/export?format=csv&kind=all"},
		{name: "--json is json", args: []string{"--json", "--kind", "numbers"}, code: ExitOK, wantOut: "format=json kind=numbers" + body, wantPath: "/api/v1/export?format=json&kind=numbers"},
		{name: "bad format", args: []string{"--format", "xml"}, code: ExitFailure, wantErr: `invalid --format "xml"`},
		{name: "bad kind", args: []string{"--kind", "peers"}, code: ExitFailure, wantErr: `invalid --kind "peers"`},
		{name: "ipset of numbers", args: []string{"--format", "ipset", "--kind", "numbers"}, code: ExitFailure, wantErr: "--format ipset takes only --kind ips"},
		{name: "--json with another format", args: []string{"--json", "--format", "csv"}, code: ExitFailure, wantErr: "exclude each other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.paths())
			res := run(t, t.Context(), nil, "export", append([]string{"--api", api}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", res.code, tt.code, res.stderr)
			}
			if res.stdout != tt.wantOut {
				t.Errorf("stdout %q, want %q", res.stdout, tt.wantOut)
			}
			if tt.wantErr == "" && res.stderr != "" || !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q, want %q", res.stderr, tt.wantErr)
			}
			paths := f.paths()[before:]
			if tt.wantPath == "" && len(paths) > 0 || tt.wantPath != "" && (len(paths) != 1 || paths[0] != tt.wantPath) {
				t.Errorf("requests %q, want %q", paths, tt.wantPath)
			}
		})
	}
}
