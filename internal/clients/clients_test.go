package clients

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func openDB(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAddListDelete(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), File))
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	c, secret, err := db.Add(ctx, "cgrates-1", Read|Report, true, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ID) != 32 || len(secret) != 43 {
		t.Errorf("id %q, secret %q: want 32 hex digits and 43 base64url characters", c.ID, secret)
	}
	if _, _, err := db.Add(ctx, "cgrates-1", Read, false, now); !errors.Is(err, ErrExists) {
		t.Errorf("second add of the same name: %v, want ErrExists", err)
	}
	for _, bad := range []string{"", "-x", "a b", string(make([]byte, 65))} {
		if _, _, err := db.Add(ctx, bad, Read, false, now); !errors.Is(err, ErrBadName) {
			t.Errorf("name %q: %v, want ErrBadName", bad, err)
		}
	}
	cs, err := db.List(ctx)
	if err != nil || len(cs) != 1 || cs[0].ID != c.ID || cs[0].Scope != Read|Report || !cs[0].Trusted || !cs[0].Created.Equal(now.Truncate(time.Second)) {
		t.Fatalf("List = %+v, %v", cs, err)
	}
	if _, err := db.Delete(ctx, c.ID); err != nil {
		t.Errorf("delete by id: %v", err)
	}
	if _, err := db.Delete(ctx, "cgrates-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete again: %v, want ErrNotFound", err)
	}
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		in   string
		want Scope
		ok   bool
	}{
		{"read", Read, true},
		{"report", Report, true},
		{"read,report", Read | Report, true},
		{"report read", Read | Report, true},
		{"", 0, false},
		{"write", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseScope(%q) = %v, %v", tt.in, got, err)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), File)
	db := openDB(t, path)
	ctx := t.Context()
	now := time.Now()
	clock := func() time.Time { return now }
	reader, rs, _ := db.Add(ctx, "reader", Read, false, now)
	r := New(db, Config{Now: clock, Poll: 10 * time.Millisecond})
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Issue(reader.ID, rs+"x"); !errors.Is(err, ErrInvalidClient) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := r.Issue("nobody", rs); !errors.Is(err, ErrInvalidClient) {
		t.Errorf("unknown client: %v", err)
	}
	tok, err := r.Issue(reader.ID, rs)
	if err != nil || tok.ExpiresIn != DefaultTTL || !IsToken(tok.AccessToken) {
		t.Fatalf("Issue = %+v, %v", tok, err)
	}
	if c, ok := r.Verify(tok.AccessToken); !ok || c.ID != reader.ID || c.Scope != Read {
		t.Errorf("Verify = %+v, %v", c, ok)
	}
	for name, bad := range map[string]string{
		"tampered":  tok.AccessToken[:len(tok.AccessToken)-2] + "AA",
		"truncated": tok.AccessToken[:20],
		"no prefix": tok.AccessToken[len(tokenPrefix):],
		"other key": func() string { t2, _ := New(db, Config{Now: clock}).issueAfterLoad(ctx, t, reader.ID, rs); return t2 }(),
	} {
		if _, ok := r.Verify(bad); ok {
			t.Errorf("%s token accepted", name)
		}
	}
	now = now.Add(DefaultTTL)
	if _, ok := r.Verify(tok.AccessToken); ok {
		t.Error("expired token accepted")
	}
	now = time.Now()
	tok, _ = r.Issue(reader.ID, rs)

	// Another process deletes the client: Run sees it within its poll.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- r.Run(runCtx) }()
	other := openDB(t, path)
	if _, err := other.Delete(ctx, "reader"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := r.Verify(tok.AccessToken); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a deleted client's token still works after 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func (r *Registry) issueAfterLoad(ctx context.Context, t *testing.T, id, secret string) (string, error) {
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	tok, err := r.Issue(id, secret)
	return tok.AccessToken, err
}

func TestRateLimit(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), File))
	now := time.Now()
	c, _, _ := db.Add(t.Context(), "busy", Read, false, now)
	r := New(db, Config{Rate: 10, Burst: 3, Now: func() time.Time { return now }})
	r.Load(t.Context())
	for i := range 3 {
		if ok, _ := r.Allow(c.ID); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := r.Allow(c.ID)
	if ok || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("past the burst: %v, wait %v; want refused, wait ≤ 100ms", ok, wait)
	}
	now = now.Add(100 * time.Millisecond)
	if ok, _ := r.Allow(c.ID); !ok {
		t.Error("refused after the bucket refilled")
	}
}
