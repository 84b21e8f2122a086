package p2p

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
)

func TestLoadOrCreateKey(t *testing.T) {
	t.Run("created 0600 and stable", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "new")
		k1, err := LoadOrCreateKey(dir)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := LoadOrCreateKey(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !k1.Equals(k2) {
			t.Errorf("second load returned another key")
		}
		fi, err := os.Stat(filepath.Join(dir, KeyFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %o, want 600", fi.Mode().Perm())
		}
		if _, err := SigningKey(k1); err != nil {
			t.Errorf("SigningKey: %v", err)
		}
	})
	t.Run("concurrent first use agrees", func(t *testing.T) {
		dir := t.TempDir()
		keys := make([]crypto.PrivKey, 8)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() {
				k, err := LoadOrCreateKey(dir)
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			})
		}
		wg.Wait()
		for _, k := range keys[1:] {
			if k == nil || !k.Equals(keys[0]) {
				t.Fatalf("concurrent callers got different keys")
			}
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp*")); len(m) != 0 {
			t.Errorf("temporary files left: %v", m)
		}
	})
	t.Run("loose mode tightened", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadOrCreateKey(dir); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, KeyFile)
		os.Chmod(path, 0o644)
		if _, err := LoadOrCreateKey(dir); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %o, want 600", fi.Mode().Perm())
		}
	})
	t.Run("damaged file is an error, not replaced", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, KeyFile)
		if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKey(dir); err == nil {
			t.Errorf("no error for a damaged key")
		}
		if b, _ := os.ReadFile(path); string(b) != "junk" {
			t.Errorf("damaged key file was replaced")
		}
	})
	t.Run("non-Ed25519 key refused", func(t *testing.T) {
		dir := t.TempDir()
		k, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
		if err != nil {
			t.Skip(err)
		}
		b, _ := crypto.MarshalPrivateKey(k)
		os.WriteFile(filepath.Join(dir, KeyFile), b, 0o600)
		if _, err := LoadOrCreateKey(dir); err == nil {
			t.Errorf("no error for a secp256k1 key")
		}
	})
}
