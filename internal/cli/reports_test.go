//go:build !lite

package cli

import (
	"strings"
	"testing"
)

func TestReports(t *testing.T) {
	f := &fakeAPI{}
	api := f.start(t)
	tests := []struct {
		name    string
		args    []string
		code    int
		want    []string // substrings of stdout
		notWant []string
		wantErr string
	}{
		{name: "table", args: []string{"203.0.113.7"}, code: ExitOK,
			want:    []string{"LAST SEEN", "12D3KooWreporter", "192.0.2.10:5060", "12D3KooWother", "sipvicious", `\x1b`},
			notWant: []string{"\x1b", "| INVITE"}},
		{name: "raw messages, made safe", args: []string{"--raw", "203.0.113.7"}, code: ExitOK,
			want:    []string{"    | INVITE sip:100@192.0.2.10 SIP/2.0", `    | User-Agent: friendly-scanner\x1b]0;owned\x07`},
			notWant: []string{"\x1b", "\x07", "\r"}},
		{name: "nobody reported it", args: []string{"198.51.100.1"}, code: ExitOK, want: []string{"no peer reported 198.51.100.1"}},
		{name: "json", args: []string{"--json", "203.0.113.7"}, code: ExitOK, want: []string{`"ip_address"`, `"reports"`}},
		{name: "not an IP", args: []string{"100"}, code: ExitFailure, wantErr: `"100" is not an IP address`},
		{name: "two arguments", args: []string{"203.0.113.7", "198.51.100.1"}, code: ExitFailure, wantErr: "want one IP address"},
		{name: "limit out of range", args: []string{"--limit", "0", "203.0.113.7"}, code: ExitFailure, wantErr: "--limit must be 1 to 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, t.Context(), nil, "reports", append([]string{"--api", api}, tt.args...)...)
			if res.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", res.code, tt.code, res.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, res.stdout)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(res.stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, res.stdout)
				}
			}
			if tt.wantErr != "" && !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q, want %q", res.stderr, tt.wantErr)
			}
		})
	}
}
