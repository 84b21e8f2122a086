package clients

import (
	"path/filepath"
	"testing"
	"time"
)

func BenchmarkVerify(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), File))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c, secret, _ := db.Add(b.Context(), "bench", Read, false, time.Now())
	r := New(db, Config{})
	r.Load(b.Context())
	tok, _ := r.Issue(c.ID, secret)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.Verify(tok.AccessToken); !ok {
			b.Fatal("refused")
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), File))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c, secret, _ := db.Add(b.Context(), "bench", Read, false, time.Now())
	r := New(db, Config{})
	r.Load(b.Context())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Issue(c.ID, secret); err != nil {
			b.Fatal(err)
		}
	}
}
