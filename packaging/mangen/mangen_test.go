package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/config"
)

var update = flag.Bool("update", false, "rewrite packaging/sentrypeer.1 and packaging/sentrypeer.conf")

func noEnv(string) (string, bool) { return "", false }

// allFlags is every flag -h prints: the settings, then -g, -h and -V.
func allFlags() []config.SettingInfo {
	return append(config.Settings(), config.OtherFlags()...)
}

// TestGeneratedFilesAreCurrent regenerates the man page and the config
// file and fails when the checked-in ones differ (go test -update, or
// "make man", rewrites them).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{"../sentrypeer.1", writeMan}, {"../sentrypeer.conf", writeConf}} {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			var want bytes.Buffer
			if err := f.write(&want); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(f.path, want.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("packaging/%s is stale; regenerate it with \"make man\" (go run ./packaging/mangen)\n%s",
					filepath.Base(f.path), firstDifference(got, want.Bytes()))
			}
		})
	}
}

func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  file:      %q\n  generated: %q", i+1, gl, wl)
		}
	}
	return ""
}

// TestHelpListsEverySetting checks that -h prints each setting exactly as
// its SettingInfo says, and nothing else.
func TestHelpListsEverySetting(t *testing.T) {
	var b bytes.Buffer
	config.Usage(&b)
	help := b.String()
	for _, s := range allFlags() {
		names := "--" + s.Name
		if s.Short != "" {
			names = "-" + s.Short + ", " + names
		}
		if s.Arg != "" {
			names += " " + s.Arg
		}
		entry := "\n  " + names + "\n      " + s.Usage
		if s.Default != "" {
			entry += " (default " + s.Default + ")"
		}
		if s.Env != "" {
			entry += "\n      env " + s.Env
		}
		entry += "\n"
		if strings.Count(help, entry) != 1 {
			t.Errorf("-h does not print --%s once as\n%s", s.Name, entry)
		}
	}
	entries := regexp.MustCompile(`(?m)^  -`).FindAllString(help, -1)
	if len(entries) != len(allFlags()) {
		t.Errorf("-h prints %d flags, Settings and OtherFlags have %d", len(entries), len(allFlags()))
	}
}

// readmeRow is one row of README.md's settings table.
type readmeRow struct {
	line   int
	longs  []string // names without "--"
	shorts []string // letters without "-"
	envs   []string
	def    string // backticks removed
}

var backticked = regexp.MustCompile("`([^`]*)`")

// readmeTable returns the rows of the table under "## Settings".
func readmeTable(readme []byte) ([]readmeRow, error) {
	var rows []readmeRow
	in := false
	for i, line := range strings.Split(string(readme), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = line == "## Settings"
			continue
		case !in || !strings.HasPrefix(line, "| `"):
			if in && len(rows) > 0 && !strings.HasPrefix(line, "|") {
				return rows, nil
			}
			continue
		}
		cells := strings.SplitN(line, "|", 5)
		if len(cells) < 5 {
			return nil, fmt.Errorf("README.md:%d: want flag | environment | default | meaning", i+1)
		}
		r := readmeRow{line: i + 1, def: strings.TrimSpace(strings.ReplaceAll(cells[3], "`", ""))}
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			if long, ok := strings.CutPrefix(m[1], "--"); ok {
				r.longs = append(r.longs, long)
			} else if short, ok := strings.CutPrefix(m[1], "-"); ok {
				r.shorts = append(r.shorts, short)
			} else {
				return nil, fmt.Errorf("README.md:%d: %q is not a flag", i+1, m[1])
			}
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			env := m[1]
			// "`SENTRYPEER_BGP_NEXT_HOP_V4`, `_V6`": a suffix replaces the
			// previous variable's last part.
			if strings.HasPrefix(env, "_") && len(r.envs) > 0 {
				prev := r.envs[len(r.envs)-1]
				env = prev[:strings.LastIndex(prev, "_")] + env
			}
			r.envs = append(r.envs, env)
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("README.md: no settings table under ## Settings")
	}
	return rows, nil
}

// defaultsInWords are README defaults written as prose instead of the value.
var defaultsInWords = map[string]string{
	"p2p-listen": "TCP and QUIC on port 4001, IPv4 and IPv6",
}

// checkReadme compares README.md's settings table with the flags -h
// prints: one row for each, with its short flag, variable and default, and
// no row or spelling that -h does not know. It returns what differs.
func checkReadme(readme []byte) []string {
	rows, err := readmeTable(readme)
	if err != nil {
		return []string{err.Error()}
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	byName := map[string]config.SettingInfo{}
	for _, s := range allFlags() {
		byName[s.Name] = s
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r.longs) == 0 {
			bad("README.md:%d: row without a long flag", r.line)
			continue
		}
		var shorts, envs []string
		for _, long := range r.longs {
			s, ok := byName[long]
			if !ok {
				bad("README.md:%d: --%s is not a setting (see config.Settings)", r.line, long)
				continue
			}
			if seen[long] {
				bad("README.md:%d: --%s has a second row", r.line, long)
			}
			seen[long] = true
			if s.Short != "" {
				shorts = append(shorts, s.Short)
			}
			if s.Env != "" {
				envs = append(envs, s.Env)
			}
			switch want, words := s.Default, defaultsInWords[s.Name]; {
			case words != "":
				if r.def != words {
					bad("README.md:%d: --%s default %q, want %q (or update defaultsInWords)", r.line, long, r.def, words)
				}
			case s.IsBool && s.Name != "help" && s.Name != "version":
				if want == "" {
					want = "false"
				}
				if r.def != want {
					bad("README.md:%d: --%s default %q, want %q", r.line, long, r.def, want)
				}
			case want != "":
				if !strings.Contains(r.def, want) {
					bad("README.md:%d: --%s default %q, want %q", r.line, long, r.def, want)
				}
			}
		}
		if !slices.Equal(r.shorts, shorts) {
			bad("README.md:%d: short flags %q, want %q", r.line, r.shorts, shorts)
		}
		if !slices.Equal(r.envs, envs) {
			bad("README.md:%d: variables %q, want %q", r.line, r.envs, envs)
		}
	}
	for _, s := range allFlags() {
		if !seen[s.Name] {
			bad("README.md: no row for --%s", s.Name)
		}
	}
	return errs
}

func TestReadmeTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range checkReadme(readme) {
		t.Error(e)
	}
}

// TestReadmeTableMismatches checks that checkReadme notices each kind of
// difference, on edited copies of README.md.
func TestReadmeTableMismatches(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `--max-age`.*\n")
	if !row.Match(readme) {
		t.Fatal("README.md has no --max-age row")
	}
	for _, c := range []struct{ name, old, new, want string }{
		{"missing row", "", "", "no row for --max-age"},
		{"unknown flag", "`--max-age`", "`--max-age`, `--max-ages`", "--max-ages is not a setting"},
		{"wrong variable", "SENTRYPEER_MAX_AGE", "SENTRYPEER_MAXAGE", "variables"},
		{"wrong short flag", "| `--max-age`", "| `-m`, `--max-age`", "short flags"},
		{"wrong default", "| 168h |", "| 24h |", "default \"24h\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			edited := row.ReplaceAllFunc(readme, func(line []byte) []byte {
				if c.old == "" {
					return nil
				}
				return bytes.Replace(line, []byte(c.old), []byte(c.new), 1)
			})
			if bytes.Equal(edited, readme) {
				t.Fatalf("edit %q made no change", c.old)
			}
			errs := checkReadme(edited)
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, c.want) }) {
				t.Errorf("errors %q, want one containing %q", errs, c.want)
			}
		})
	}
}

// TestManListsEverything checks the page itself: every flag with its
// variable, and every subcommand.
func TestManListsEverything(t *testing.T) {
	b, err := os.ReadFile("../sentrypeer.1")
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, s := range allFlags() {
		tag := `\fB\-\-` + esc(s.Name) + `\fR`
		i := strings.Index(page, "\n.TP\n"+tag)
		if s.Short != "" {
			i = strings.Index(page, "\n.TP\n"+`\fB\-`+esc(s.Short)+`\fR, `+tag)
		}
		if i < 0 {
			t.Errorf("sentrypeer.1: no entry for --%s", s.Name)
			continue
		}
		entry, _, _ := strings.Cut(page[i+5:], "\n.TP\n")
		if s.Env != "" && !strings.Contains(entry, `Environment: \fB`+esc(s.Env)+`\fR.`) {
			t.Errorf("sentrypeer.1: --%s does not name %s", s.Name, s.Env)
		}
	}
	cmds, err := commands()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if !strings.Contains(page, "\n.SS \""+esc(c.name)+"\"\n") {
			t.Errorf("sentrypeer.1: no section for sentrypeer %s", c.name)
		}
	}
	for _, want := range []string{"bgp", "block", "bouncers", "decisions", "id", "peers", "unblock", "version"} {
		if !slices.ContainsFunc(cmds, func(c command) bool { return c.name == want }) {
			t.Errorf("no subcommand %s", want)
		}
	}
}

// TestConfigFile loads the packaged config file, and again with every
// commented-out default uncommented: both must give the built-in defaults
// with the packaged data folder.
func TestConfigFile(t *testing.T) {
	want, err := config.Load([]string{"--data-dir", "/var/lib/sentrypeer"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := config.Load([]string{"-g", "../sentrypeer.conf"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	got.ConfigFile = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("packaged config:\n got %+v\nwant %+v", got, want)
	}

	b, err := os.ReadFile("../sentrypeer.conf")
	if err != nil {
		t.Fatal(err)
	}
	uncommented := regexp.MustCompile(`(?m)^#([a-z0-9-]+ = .+)$`).ReplaceAll(b, []byte("$1"))
	if bytes.Equal(uncommented, b) {
		t.Fatal("no commented-out defaults found")
	}
	path := filepath.Join(t.TempDir(), "all.conf")
	if err := os.WriteFile(path, uncommented, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = config.Load([]string{"-g", path}, noEnv)
	if err != nil {
		t.Fatalf("config file with its defaults uncommented: %v", err)
	}
	got.ConfigFile = ""
	want.SIPListenDefault = false // now given explicitly
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config file with its defaults uncommented:\n got %+v\nwant %+v", got, want)
	}
}
