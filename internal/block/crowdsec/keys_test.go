package crowdsec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKeyStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // made on the first add
	path := filepath.Join(dir, KeysFile)
	if bs, err := LoadBouncers(path); err != nil || bs != nil {
		t.Fatalf("missing file: %v, %v", bs, err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 123, time.UTC)
	key, b, err := AddBouncer(path, "fw-1", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "spb_") || len(key) != 4+64 {
		t.Errorf("key %q, want spb_ and 64 hex digits", key)
	}
	if b.Name != "fw-1" || b.KeySHA256 != hashKey(key) || !b.Created.Equal(now.Truncate(time.Second)) {
		t.Errorf("bouncer %+v", b)
	}
	key2, _, err := AddBouncer(path, "nginx", now)
	if err != nil || key2 == key {
		t.Fatalf("second key %q: %v", key2, err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), key[4:]) || strings.Contains(string(raw), key2[4:]) {
		t.Error("the file holds a key itself, not only its hash")
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, KeysFile+".tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	bs, err := LoadBouncers(path)
	if err != nil || len(bs) != 2 || bs[0].Name != "fw-1" || bs[1].Name != "nginx" {
		t.Fatalf("LoadBouncers: %+v, %v", bs, err)
	}
	if _, _, err := AddBouncer(path, "nginx", now); !errors.Is(err, ErrBouncerExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := DeleteBouncer(path, "fw-1"); err != nil {
		t.Fatal(err)
	}
	if err := DeleteBouncer(path, "fw-1"); !errors.Is(err, ErrNoBouncer) {
		t.Errorf("deleting twice: %v", err)
	}
	if bs, _ := LoadBouncers(path); len(bs) != 1 || bs[0].Name != "nginx" {
		t.Errorf("after delete: %+v", bs)
	}
	if err := DeleteBouncer(path, "nginx"); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(path); !strings.Contains(string(raw), `"bouncers": []`) {
		t.Errorf("empty file %s", raw)
	}
}

func TestBouncerNames(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"fw", true}, {"crowdsec-firewall-bouncer", true}, {"host1.example_2", true}, {"A1", true},
		{strings.Repeat("a", 64), true}, {strings.Repeat("a", 65), false},
		{"", false}, {"-rm", false}, {".hidden", false}, {"a b", false}, {"a/b", false}, {"é", false}, {"a\x1b", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidName(tt.name); got != tt.ok {
				t.Errorf("ValidName(%q) = %v", tt.name, got)
			}
			if !tt.ok {
				if _, _, err := AddBouncer(filepath.Join(t.TempDir(), KeysFile), tt.name, time.Now()); !errors.Is(err, ErrBadName) {
					t.Errorf("AddBouncer(%q): %v", tt.name, err)
				}
			}
		})
	}
}

func TestKeyFileIsParsedStrictly(t *testing.T) {
	good := `{"bouncers": [{"name": "fw", "key_sha256": "` + strings.Repeat("ab", 32) + `", "created": "2026-11-27T12:00:00Z"}]}`
	for _, tt := range []struct {
		name, body string
		ok         bool
	}{
		{"good", good, true},
		{"empty list", `{"bouncers": []}`, true},
		{"unknown field", `{"bouncers": [], "keys": []}`, false},
		{"not JSON", `bouncers`, false},
		{"trailing data", good + ` {}`, false},
		{"bad name", strings.Replace(good, `"fw"`, `"f w"`, 1), false},
		{"short hash", strings.Replace(good, strings.Repeat("ab", 32), "abab", 1), false},
		{"not hex", strings.Replace(good, strings.Repeat("ab", 32), strings.Repeat("zz", 32), 1), false},
		{"name twice", `{"bouncers": [` + good[14:len(good)-2] + `,` + good[14:len(good)-2] + `]}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), KeysFile)
			os.WriteFile(path, []byte(tt.body), 0o600)
			_, err := LoadBouncers(path)
			if (err == nil) != tt.ok {
				t.Errorf("LoadBouncers: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
