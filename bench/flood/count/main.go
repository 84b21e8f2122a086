// Command count reports what a SentryPeer run stored: the events in its
// SQLite database (through [store.Store.Count]) and, with -json, the lines of
// its JSON event log. The flood benchmark runs it after the daemon has
// exited; opening the database brings its schema up to date, as the daemon
// would.
//
// It prints one line, "rows=N" followed by " json_lines=M json_invalid=K"
// when -json is given, where json_invalid counts lines that are not a JSON
// value (a torn or interleaved write).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sentrypeer/sentrypeer/internal/store"
)

func main() {
	dbPath := flag.String("db", "", "SentryPeer SQLite database (required)")
	jsonPath := flag.String("json", "", "JSON event log whose lines are counted (optional)")
	flag.Parse()
	if err := run(*dbPath, *jsonPath); err != nil {
		fmt.Fprintln(os.Stderr, "count:", err)
		os.Exit(1)
	}
}

func run(dbPath, jsonPath string) error {
	if dbPath == "" {
		return errors.New("-db is required")
	}
	rows, err := countRows(dbPath)
	if err != nil {
		return err
	}
	out := fmt.Sprintf("rows=%d", rows)
	if jsonPath != "" {
		lines, invalid, err := countLines(jsonPath)
		if err != nil {
			return err
		}
		out += fmt.Sprintf(" json_lines=%d json_invalid=%d", lines, invalid)
	}
	fmt.Println(out)
	return nil
}

// countRows counts the stored events. The database must exist: opening a
// missing path would silently create an empty one and report zero.
func countRows(path string) (int64, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("opening database: %w", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Config{}, nil)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	return st.Count(ctx)
}

// countLines counts newline-terminated lines, plus a final unterminated
// one, and how many of them are not valid JSON.
func countLines(path string) (lines, invalid int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("opening JSON log: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("reading JSON log: %w", err)
		}
		line = append(line, chunk...)
		if isPrefix {
			continue
		}
		lines++
		if !json.Valid(bytes.TrimSpace(line)) {
			invalid++
		}
		line = line[:0]
	}
	return lines, invalid, nil
}
