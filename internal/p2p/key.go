package p2p

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
	pb "github.com/libp2p/go-libp2p/core/crypto/pb"
)

// LoadOrCreateKey returns the node's identity key kept in dataDir/KeyFile,
// creating an Ed25519 key there (mode 0600) on first use. The file holds the
// libp2p protobuf encoding of the key. A file that exists but does not hold
// an Ed25519 key is an error, never replaced: the key names the node and
// signs every record it shared. A key file readable by others is made 0600.
//
// Concurrent first calls on the same folder agree on one key: the file is
// written under a temporary name and linked into place only if absent.
func LoadOrCreateKey(dataDir string) (crypto.PrivKey, error) {
	path := filepath.Join(dataDir, KeyFile)
	k, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data folder: %w", err)
	}
	k, _, err = crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating identity key: %w", err)
	}
	b, err := crypto.MarshalPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encoding identity key: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, KeyFile+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("writing identity key: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600 already; say so for readers.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing identity key: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing identity key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process won the race: use its key.
			return readKey(path)
		}
		return nil, fmt.Errorf("writing identity key: %w", err)
	}
	return k, nil
}

func readKey(path string) (crypto.PrivKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("reading identity key: %w", err)
	}
	k, err := crypto.UnmarshalPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("reading identity key %s: %w", path, err)
	}
	if k.Type() != pb.KeyType_Ed25519 {
		return nil, fmt.Errorf("reading identity key %s: %v key, want Ed25519", path, k.Type())
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("restricting identity key %s: %w", path, err)
		}
	}
	return k, nil
}

// SigningKey returns k as the standard library key that [record.Record.Sign]
// takes. k must be an Ed25519 key, as [LoadOrCreateKey] returns.
func SigningKey(k crypto.PrivKey) (ed25519.PrivateKey, error) {
	if k.Type() != pb.KeyType_Ed25519 {
		return nil, fmt.Errorf("p2p: %v key, want Ed25519", k.Type())
	}
	raw, err := k.Raw()
	if err != nil {
		return nil, fmt.Errorf("p2p: reading key: %w", err)
	}
	if len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("p2p: Ed25519 key of %d bytes", len(raw))
	}
	return ed25519.PrivateKey(raw), nil
}
