package p2p

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// maxCursors bounds the cursor file; past it the least recently used
// cursors are dropped (those peers are synced from the start again).
const maxCursors = 10000

// cursor is how far this node has synced from one peer: the last sequence
// number of that peer's history received, and when it moved.
type cursor struct {
	After   uint64    `json:"after"`
	Updated time.Time `json:"updated"`
}

// cursors is the per-peer sync position, kept in memory and saved to a JSON
// file so that a restart resumes where it stopped. Safe for concurrent use.
type cursors struct {
	path string

	mu    sync.Mutex
	m     map[peer.ID]cursor
	dirty bool
}

type cursorFile struct {
	Version int               `json:"version"`
	Peers   map[string]cursor `json:"peers"`
}

func loadCursors(path string) (*cursors, error) {
	c := &cursors{path: path, m: map[peer.ID]cursor{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("p2p: reading sync cursors: %w", err)
	}
	var f cursorFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 {
		// Cursors are an optimisation: a bad file costs one full sync.
		return c, nil
	}
	for s, cur := range f.Peers {
		if p, err := peer.Decode(s); err == nil {
			c.m[p] = cur
		}
	}
	return c, nil
}

func (c *cursors) get(p peer.ID) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[p].After
}

func (c *cursors) set(p peer.ID, after uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[p] = cursor{After: after, Updated: now.UTC()}
	c.dirty = true
	if len(c.m) > maxCursors {
		var oldest peer.ID
		var t time.Time
		for q, cur := range c.m {
			if q != p && (t.IsZero() || cur.Updated.Before(t)) {
				oldest, t = q, cur.Updated
			}
		}
		delete(c.m, oldest)
	}
}

// save writes the cursors if they changed since the last save, atomically
// (temporary file and rename).
func (c *cursors) save() error {
	c.mu.Lock()
	if !c.dirty {
		c.mu.Unlock()
		return nil
	}
	f := cursorFile{Version: 1, Peers: make(map[string]cursor, len(c.m))}
	for p, cur := range c.m {
		f.Peers[p.String()] = cur
	}
	c.dirty = false
	c.mu.Unlock()

	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("p2p: encoding sync cursors: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), SyncFile+".tmp*")
	if err == nil {
		_, err = tmp.Write(b)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), c.path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
		return fmt.Errorf("p2p: saving sync cursors: %w", err)
	}
	return nil
}
