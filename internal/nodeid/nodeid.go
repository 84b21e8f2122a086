// Package nodeid keeps the node's UUID in the data folder, so that the
// events a node records carry the same created_by_node_id across restarts.
package nodeid

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

// FileName is the file, inside the data folder, that holds the node id.
const FileName = "node-id"

// LoadOrCreate returns the node id stored in dir, creating a random one on
// first use. A file that exists but does not hold a UUID is an error rather
// than silently replaced: the id names this node in every record it shared.
func LoadOrCreate(dir string) (event.UUID, error) {
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if err == nil {
		id, perr := event.ParseUUID(strings.TrimSpace(string(b)))
		if perr != nil {
			return event.UUID{}, fmt.Errorf("reading node id %s: %w", path, perr)
		}
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return event.UUID{}, fmt.Errorf("reading node id: %w", err)
	}
	id := event.NewUUID()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id.String()+"\n"), 0o600); err != nil {
		return event.UUID{}, fmt.Errorf("writing node id: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return event.UUID{}, fmt.Errorf("writing node id: %w", err)
	}
	return id, nil
}
