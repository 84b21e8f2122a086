package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

func TestCountLines(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", 3<<20) + `"}`
	tests := []struct {
		name                   string
		in                     string
		wantLines, wantInvalid int64
	}{
		{"empty", "", 0, 0},
		{"terminated", "{}\n{}\n", 2, 0},
		{"unterminated last", "{}\n{}", 2, 0},
		{"torn line", "{}\n{\"a\":\n{}\n", 3, 1},
		{"longer than the buffer", long + "\n{}\n", 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "log.json")
			if err := os.WriteFile(p, []byte(tc.in), 0o600); err != nil {
				t.Fatal(err)
			}
			lines, invalid, err := countLines(p)
			if err != nil {
				t.Fatal(err)
			}
			if lines != tc.wantLines || invalid != tc.wantInvalid {
				t.Errorf("countLines = %d lines, %d invalid; want %d, %d", lines, invalid, tc.wantLines, tc.wantInvalid)
			}
		})
	}
}

func TestCountRows(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sentrypeer.db")
	ctx := t.Context()
	st, err := store.Open(ctx, p, store.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := event.NewQueue(3)
	for range 3 {
		events.Put(&event.Event{Time: time.Now(), Collected: event.Passive, Transport: event.UDP, Method: "OPTIONS"})
	}
	events.Close()
	if err := st.Run(ctx, events); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("events", func(t *testing.T) {
		n, err := countRows(p)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("countRows = %d, want 3", n)
		}
	})
	t.Run("missing database is not created", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.db")
		if _, err := countRows(missing); err == nil {
			t.Error("countRows of a missing database: no error")
		}
		if _, err := os.Stat(missing); err == nil {
			t.Error("countRows created the missing database")
		}
	})
}
