package store

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
)

// sipviciousRaw is what svmap sends: a 350-odd-byte OPTIONS.
const sipviciousRaw = "OPTIONS sip:100@192.0.2.10 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1234567890;rport\r\n" +
	"Max-Forwards: 70\r\n" +
	"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n" +
	"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6434396633623239313965330134323739383931\r\n" +
	"User-Agent: friendly-scanner\r\n" +
	"Call-ID: 123456789012345678901234567890\r\n" +
	"Contact: sip:100@198.51.100.7:5060\r\n" +
	"CSeq: 1 OPTIONS\r\n" +
	"Accept: application/sdp\r\n" +
	"Content-Length: 0\r\n\r\n"

// probe returns a realistic sipvicious event received at t from src.
func probe(t time.Time, src netip.AddrPort, number string) *event.Event {
	return &event.Event{
		Time:             t.UTC(),
		ID:               event.NewUUID(),
		NodeID:           event.UUID{0x5e, 0x17, 0x40, 0x00, 0x0d, 0xe0, 0x4a, 0x01, 0x80, 1, 2, 3, 4, 5, 6, 7},
		Collected:        event.Passive,
		Transport:        event.UDP,
		Source:           src,
		Destination:      netip.MustParseAddrPort("192.0.2.10:5060"),
		Method:           "OPTIONS",
		RequestURI:       "sip:" + number + "@192.0.2.10",
		CalledNumber:     number,
		CalledNumberNorm: number,
		From:             `"sipvicious"<sip:100@1.1.1.1>;tag=6434396633623239313965330134323739383931`,
		To:               `"sipvicious"<sip:100@1.1.1.1>`,
		CallID:           "123456789012345678901234567890",
		CSeq:             "1 OPTIONS",
		UserAgent:        "friendly-scanner",
		Contact:          "sip:100@198.51.100.7:5060",
		Via:              "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1234567890;rport",
		Raw:              sipviciousRaw,
	}
}

// testLogger sends the store's log to the test output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func openTest(t testing.TB, path string, cfg Config) *Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "events.db")
	}
	s, err := Open(t.Context(), path, cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// startRun runs s.Run in a goroutine; wait returns its result.
func startRun(ctx context.Context, s *Store, ch *event.Queue) (wait func() error) {
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ch) }()
	return func() error { return <-done }
}

// write stores evs through Run and waits for it to finish.
func write(t testing.TB, s *Store, evs ...*event.Event) {
	t.Helper()
	ch := event.NewQueue(len(evs))
	for _, e := range evs {
		ch.Put(e)
	}
	ch.Close()
	if err := s.Run(t.Context(), ch); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// waitFor polls cond every few milliseconds until it holds or d passes, and
// returns how long it took.
func waitFor(t testing.TB, d time.Duration, cond func() bool) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > d {
			return time.Since(start), false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("not a database, clearly not a database at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		cfg  Config
		want string // substring of the error
	}{
		{name: "missing directory", path: filepath.Join(dir, "nope", "events.db"), want: "no such file or directory"},
		{name: "parent is a file", path: filepath.Join(file, "events.db"), want: "not a directory"},
		{name: "path is a directory", path: dir, want: "not a regular file"},
		{name: "not a database", path: file, want: "not a database"},
		{name: "empty path", path: "", want: "empty database path"},
		{name: "negative config", path: filepath.Join(dir, "x.db"), cfg: Config{BatchSize: -1}, want: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.path, tt.cfg, nil)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q) = %v, want it to mention %q", tt.path, err, tt.want)
			}
		})
	}

	t.Run("odd characters in path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a?b#c%20 d.db")
		s := openTest(t, path, Config{})
		write(t, s, probe(time.Now(), netip.MustParseAddrPort("198.51.100.7:5060"), "100"))
		if _, err := os.Stat(path); err != nil {
			t.Errorf("database not at %q: %v", path, err)
		}
	})

	t.Run("pragmas", func(t *testing.T) {
		s := openTest(t, "", Config{})
		for _, tt := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"synchronous", "1"}, // NORMAL
			{"busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
			{"page_size", fmt.Sprint(pageSize)},
		} {
			var got string
			if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		}
	})

	t.Run("reader is read-only", func(t *testing.T) {
		s := openTest(t, "", Config{})
		_, err := s.rdb.ExecContext(t.Context(), "DELETE FROM blocks")
		if err == nil || !strings.Contains(err.Error(), "readonly") {
			t.Errorf("DELETE on the read pool = %v, want a read-only error", err)
		}
	})
}

func TestClose(t *testing.T) {
	t.Run("twice", func(t *testing.T) {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("first Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
	t.Run("zero store", func(t *testing.T) {
		if err := new(Store).Close(); err != nil {
			t.Errorf("Close of a Store that never opened: %v", err)
		}
	})
	t.Run("checkpoints the WAL", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		s, err := Open(t.Context(), path, Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		write(t, s, probe(time.Now(), netip.MustParseAddrPort("198.51.100.7:5060"), "100"))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// The WAL is gone or empty: the database file alone holds the event.
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
			t.Errorf("WAL has %d bytes after Close", fi.Size())
		}
	})
	t.Run("write after close is lost and counted", func(t *testing.T) {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), Config{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		write(t, s, probe(time.Now(), netip.MustParseAddrPort("198.51.100.7:5060"), "100"))
		if st := s.Stats(); st.EventsLost != 1 || st.EventsStored != 0 || st.WriteRetries != 0 {
			t.Errorf("Stats = %+v, want 1 lost at once", st)
		}
		if _, err := s.Events(t.Context(), Query{}); err == nil {
			t.Error("Events after Close succeeded")
		}
	})
}

// TestRestart writes through Run, closes, reopens and reads every field back.
func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	base := time.Date(2026, 11, 26, 12, 0, 0, 123456789, time.UTC)
	var want []*event.Event
	for i := range 50 {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i % 7)}), uint16(5060+i))
		e := probe(base.Add(time.Duration(i)*time.Millisecond+time.Duration(i)), src, fmt.Sprint(100+i%3))
		e.Collected = event.Collected(1 + i%2)
		e.Transport = event.Transport(1 + i%3)
		want = append(want, e)
	}

	s, err := Open(t.Context(), path, Config{BatchSize: 7}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, want...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, path, Config{})
	got, err := s.Events(t.Context(), Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events after restart, want %d", len(got), len(want))
	}
	for i := range got {
		w := want[len(want)-1-i] // newest first
		if !reflect.DeepEqual(got[i], *w) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], *w)
		}
	}
}

// TestRoundTripWeird stores events whose fields are as hostile or as empty as
// the wire allows and reads them back unchanged.
func TestRoundTripWeird(t *testing.T) {
	junk := "\x00\xff\xfe bad \xc3\x28 utf8 \x00 nul\r\n\x80"
	tests := []struct {
		name string
		e    event.Event
	}{
		{name: "zero but time", e: event.Event{Time: time.Unix(0, 1).UTC()}},
		{name: "invalid utf8 and nul everywhere", e: event.Event{
			Time:             time.Date(2030, 1, 2, 3, 4, 5, 999999999, time.UTC),
			ID:               event.UUID{0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0, 0xff, 0},
			NodeID:           event.NewUUID(),
			Collected:        event.Responsive,
			Transport:        event.TLS,
			Source:           netip.MustParseAddrPort("[2001:db8::1]:65535"),
			Destination:      netip.MustParseAddrPort("[::1]:5061"),
			Method:           "INV\x00ITE" + junk,
			RequestURI:       "sip:" + junk,
			CalledNumber:     "+44 (0)20" + junk,
			CalledNumberNorm: "4420" + junk,
			From:             junk,
			To:               junk,
			CallID:           junk,
			CSeq:             junk,
			UserAgent:        junk,
			Contact:          junk,
			Via:              junk,
			Raw:              "\x00" + junk + strings.Repeat("\xff", 1000) + "\x00",
			RawTruncated:     true,
			ParseError:       "sip: bad start line: " + junk,
		}},
		{name: "ipv6 zone and mapped ipv4", e: event.Event{
			Time:        time.Date(1999, 12, 31, 23, 59, 59, 1, time.UTC),
			Source:      netip.MustParseAddrPort("[fe80::1%eth0]:1"),
			Destination: netip.MustParseAddrPort("[::ffff:192.0.2.1]:5060"),
			Raw:         "x",
		}},
		{name: "unknown enum values", e: event.Event{
			Time:      time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
			Collected: 200,
			Transport: 255,
			Source:    netip.AddrPortFrom(netip.Addr{}, 9), // port without address
		}},
		{name: "before 1970", e: event.Event{
			Time:   time.Date(1900, 1, 1, 0, 0, 0, 7, time.UTC),
			Source: netip.MustParseAddrPort("0.0.0.0:0"),
		}},
	}
	s := openTest(t, "", Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, table := range []string{"blocks", "block_source_ips", "block_called_numbers"} {
				if _, err := s.wconn.ExecContext(t.Context(), "DELETE FROM "+table); err != nil {
					t.Fatal(err)
				}
			}
			in := tt.e
			write(t, s, &in)
			// Also through the lookup tables, whose keys are as hostile.
			queries := []Query{{}}
			if tt.e.Source.Addr().IsValid() {
				queries = append(queries, Query{SourceIP: tt.e.Source.Addr()})
			}
			if tt.e.CalledNumberNorm != "" {
				queries = append(queries, Query{CalledNumber: tt.e.CalledNumberNorm, Method: tt.e.Method})
			}
			for _, q := range queries {
				got, err := s.Events(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 {
					t.Fatalf("Events(%+v): got %d events, want 1", q, len(got))
				}
				if !reflect.DeepEqual(got[0], tt.e) {
					t.Errorf("round trip changed the event:\n got %#v\nwant %#v", got[0], tt.e)
				}
			}
		})
	}
}

// TestSchemaViews checks what a person sees with the sqlite3 tool: one
// lookup row per key per block, and the per-key totals of the views.
func TestSchemaViews(t *testing.T) {
	s := openTest(t, "", Config{})
	base := time.Date(2026, 1, 2, 3, 4, 5, 678000000, time.UTC)
	a := netip.MustParseAddrPort("198.51.100.7:5070")
	b := netip.MustParseAddrPort("[2001:db8::1]:5060")
	// Two batches, so two blocks.
	write(t, s, probe(base, a, "100"), probe(base.Add(time.Second), a, "100"), probe(base.Add(2*time.Second), b, "200"))
	write(t, s, probe(base.Add(3*time.Second), a, "100"))

	rowsOf := func(query string) []string {
		t.Helper()
		rows, err := s.rdb.QueryContext(t.Context(), query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k, n, last string
			if err := rows.Scan(&k, &n, &last); err != nil {
				t.Fatal(err)
			}
			out = append(out, k+" "+n+" "+last)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{
			name:  "block_source_ips",
			query: "SELECT ip, block, events FROM block_source_ips ORDER BY rowid",
			want:  []string{"198.51.100.7 1 2", "2001:db8::1 1 1", "198.51.100.7 2 1"},
		},
		{
			name:  "block_called_numbers",
			query: "SELECT number, block, last_time FROM block_called_numbers ORDER BY rowid",
			want: []string{
				fmt.Sprint("100 1 ", base.Add(time.Second).UnixNano()),
				fmt.Sprint("200 1 ", base.Add(2*time.Second).UnixNano()),
				fmt.Sprint("100 2 ", base.Add(3*time.Second).UnixNano()),
			},
		},
		{
			name:  "source_ips",
			query: "SELECT ip, events, last_seen FROM source_ips ORDER BY ip",
			want:  []string{"198.51.100.7 3 2026-01-02T03:04:08.678Z", "2001:db8::1 1 2026-01-02T03:04:07.678Z"},
		},
		{
			name:  "called_numbers",
			query: "SELECT number, events, last_seen FROM called_numbers ORDER BY number",
			want:  []string{"100 3 2026-01-02T03:04:08.678Z", "200 1 2026-01-02T03:04:07.678Z"},
		},
		{
			name:  "blocks",
			query: "SELECT id, events, format FROM blocks ORDER BY id",
			want:  []string{"1 3 1", "2 1 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rowsOf(tt.query); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s:\n got %q\nwant %q", tt.query, got, tt.want)
			}
		})
	}
}

// fileSize returns the size of the database and its WAL.
func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func TestDecisionsRoundTrip(t *testing.T) {
	st := openTest(t, "", Config{})
	ctx := t.Context()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	d := decision.Decision{Value: "198.51.100.0/24", Kind: decision.Net, Origin: decision.Manual, Reporters: 1,
		Since: t0, Until: t0.Add(time.Hour), Reason: "farm"}
	n := decision.Decision{Value: "0046701", Kind: decision.Number, Origin: decision.Local, Reporters: 1, Since: t0, Until: t0.Add(2 * time.Hour), Reason: "probed"}
	if err := st.SaveDecisions(ctx, []decision.Decision{d, n}, nil, []string{"8.8.8.8", "9.9.9.9"}, nil); err != nil {
		t.Fatal(err)
	}
	n.Until = t0.Add(3 * time.Hour)
	if err := st.SaveDecisions(ctx, []decision.Decision{n}, []string{"198.51.100.0/24"}, nil, []string{"9.9.9.9"}); err != nil {
		t.Fatal(err)
	}
	ds, unbl, err := st.LoadDecisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Value != n.Value || !ds[0].Until.Equal(n.Until) || ds[0].Kind != decision.Number || ds[0].Origin != decision.Local {
		t.Fatalf("loaded %+v", ds)
	}
	if len(unbl) != 1 || unbl[0] != "8.8.8.8" {
		t.Fatalf("unblocked %v", unbl)
	}
}

// TestDecisionsInBatches: a set larger than one INSERT (decisionRows) is
// written whole, and written again as an update.
func TestDecisionsInBatches(t *testing.T) {
	st := openTest(t, "", Config{})
	ctx := t.Context()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{decisionRows*2 + 5, decisionRows} {
		var put []decision.Decision
		for i := range n {
			put = append(put, decision.Decision{Value: fmt.Sprintf("00467%05d", i), Kind: decision.Number, Origin: decision.Local,
				Reporters: 1, Since: t0, Until: t0.Add(time.Duration(n) * time.Hour), Reason: "probed"})
		}
		if err := st.SaveDecisions(ctx, put, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		ds, _, err := st.LoadDecisions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		updated := 0
		for _, d := range ds {
			if d.Until.Equal(t0.Add(time.Duration(n) * time.Hour)) {
				updated++
			}
		}
		if len(ds) != decisionRows*2+5 || updated != n {
			t.Fatalf("after writing %d: %d stored, %d of them with the new Until", n, len(ds), updated)
		}
	}
}
