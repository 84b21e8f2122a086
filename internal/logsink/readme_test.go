package logsink_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/logsink"
)

// readmeBlocks returns the contents of README.md's fenced blocks of lang.
func readmeBlocks(t *testing.T, lang string) []string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)~~~ " + lang + "\n(.*?)~~~")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		t.Fatalf("no %s block in README.md", lang)
	}
	return blocks
}

// TestReadmeExamples keeps README.md's examples true.
func TestReadmeExamples(t *testing.T) {
	t.Run("json line", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.json")
		sink, err := logsink.OpenJSON(path, logsink.AppInfo{Name: "sentrypeer", Version: "4.0.0"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		events := event.NewQueue(1)
		events.Put(exampleEvent())
		events.Close()
		if err := sink.Run(t.Context(), events); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := readmeBlocks(t, "json")[0]; string(got) != want {
			t.Errorf("README shows\n%s\nthe sink writes\n%s", want, got)
		}
	})
	t.Run("syslog line", func(t *testing.T) {
		line := regexp.MustCompile(`^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ sentrypeer\[\d+\]: (Source IP: (?P<host>\S+), Method: \S+, Agent: .*)\n$`)
		var found int
		for _, b := range readmeBlocks(t, "txt") {
			if m := line.FindStringSubmatch(b); m != nil {
				found++
				if m[2] != "203.0.113.5" {
					t.Errorf("host %q", m[2])
				}
			}
		}
		if found != 1 {
			t.Errorf("%d syslog example lines, want 1", found)
		}
	})
}
