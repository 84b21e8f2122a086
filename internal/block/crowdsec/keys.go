package crowdsec

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// KeysFile is the name of the bouncers' key file in the data folder.
const KeysFile = "bouncers.json"

// keyPrefix starts every key, so that a leaked one is recognisable and a
// YAML file never reads it as a number.
const keyPrefix = "spb_"

// Sentinel errors of the key store.
var (
	ErrBouncerExists = errors.New("crowdsec: a bouncer of that name exists")
	ErrNoBouncer     = errors.New("crowdsec: no bouncer of that name")
	ErrBadName       = errors.New("crowdsec: a bouncer name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
)

// Bouncer is one registered bouncer, as [KeysFile] keeps it: the key
// itself is never stored, only its SHA-256.
type Bouncer struct {
	Name string `json:"name"`
	// KeySHA256 is the hex SHA-256 of the key the bouncer sends as
	// X-Api-Key.
	KeySHA256 string    `json:"key_sha256"`
	Created   time.Time `json:"created"`
}

// keysDoc is the file's JSON document.
type keysDoc struct {
	Bouncers []Bouncer `json:"bouncers"`
}

// hashKey returns the hex SHA-256 of key.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// ValidName reports whether name can name a bouncer.
func ValidName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// LoadBouncers reads the key file at path. A missing file holds no
// bouncers.
func LoadBouncers(path string) ([]Bouncer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading bouncer keys: %w", err)
	}
	bs, err := parseBouncers(b)
	if err != nil {
		return nil, fmt.Errorf("reading bouncer keys %s: %w", path, err)
	}
	return bs, nil
}

// parseBouncers decodes and checks a key file strictly.
func parseBouncers(b []byte) ([]Bouncer, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc keysDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON document")
	}
	names, hashes := map[string]bool{}, map[string]bool{}
	for _, bc := range doc.Bouncers {
		if !ValidName(bc.Name) {
			return nil, fmt.Errorf("bouncer %q: %w", bc.Name, ErrBadName)
		}
		if h, err := hex.DecodeString(bc.KeySHA256); err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("bouncer %q: key_sha256 is not a hex SHA-256", bc.Name)
		}
		if names[bc.Name] || hashes[bc.KeySHA256] {
			return nil, fmt.Errorf("bouncer %q: listed twice", bc.Name)
		}
		names[bc.Name], hashes[bc.KeySHA256] = true, true
	}
	return doc.Bouncers, nil
}

// AddBouncer registers a bouncer called name in the key file at path
// (creating it and its folder if need be) and returns its new key: 32
// random bytes in hex after "spb_". Only the key's SHA-256 is stored, so
// the caller must show the key now; it cannot be shown again.
//
// Two processes changing the file at the same moment may lose one of the
// changes; the file itself is always whole (it is replaced by a rename).
func AddBouncer(path, name string, now time.Time) (string, Bouncer, error) {
	if !ValidName(name) {
		return "", Bouncer{}, fmt.Errorf("%w: %q", ErrBadName, name)
	}
	bs, err := LoadBouncers(path)
	if err != nil {
		return "", Bouncer{}, err
	}
	if slices.ContainsFunc(bs, func(b Bouncer) bool { return b.Name == name }) {
		return "", Bouncer{}, fmt.Errorf("%w: %q", ErrBouncerExists, name)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Bouncer{}, fmt.Errorf("making a bouncer key: %w", err)
	}
	key := keyPrefix + hex.EncodeToString(raw)
	b := Bouncer{Name: name, KeySHA256: hashKey(key), Created: now.UTC().Truncate(time.Second)}
	if err := writeBouncers(path, append(bs, b)); err != nil {
		return "", Bouncer{}, err
	}
	return key, b, nil
}

// DeleteBouncer removes the bouncer called name from the key file at path;
// a running daemon refuses its key within about a second.
func DeleteBouncer(path, name string) error {
	bs, err := LoadBouncers(path)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(bs, func(b Bouncer) bool { return b.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNoBouncer, name)
	}
	return writeBouncers(path, slices.Delete(bs, i, i+1))
}

// writeBouncers replaces the key file with bs: written to a temporary file
// in the same folder (mode 0600), synced, then renamed over the old one.
func writeBouncers(path string, bs []Bouncer) error {
	if bs == nil {
		bs = []Bouncer{}
	}
	b, err := json.MarshalIndent(keysDoc{Bouncers: bs}, "", "  ")
	if err != nil {
		return fmt.Errorf("writing bouncer keys: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("creating data folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing bouncer keys: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = tmp.Chmod(0o600)
	if err == nil {
		// The daemon may run as the data folder's owner while root runs
		// the command: the file must stay readable to the daemon.
		err = ownLike(tmp, dir)
	}
	if err == nil {
		_, err = tmp.Write(b)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing bouncer keys: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable; not all systems can
		d.Close()
	}
	return nil
}
