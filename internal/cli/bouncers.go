//go:build !lite

package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/block/crowdsec"
)

// bouncerRow is one bouncer in the --json output of bouncers.
type bouncerRow struct {
	Name    string `json:"name"`
	Created string `json:"created"`
}

// bouncers manages the keys of CrowdSec bouncers in the data folder's key
// file; unlike the other subcommands it needs no running daemon.
func (r *runner) bouncers(_ context.Context, args []string) int {
	fs := flag.NewFlagSet("sentrypeer "+r.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jsonOut := fs.Bool("json", false, "")
	dataDir := fs.String("data-dir", "", "")
	var configFile string
	fs.StringVar(&configFile, "g", "", "")
	fs.StringVar(&configFile, "config", "", "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	action, name, err := manageAction(pos, "add NAME, list or delete NAME", "bouncer")
	if err != nil {
		return r.fail(err)
	}
	dir, err := r.dataDir(*dataDir, configFile)
	if err != nil {
		return r.fail(err)
	}
	path := filepath.Join(dir, crowdsec.KeysFile)
	switch action {
	case "add":
		return r.done(r.addBouncer(path, name, *jsonOut))
	case "delete":
		return r.done(r.deleteBouncer(path, name, *jsonOut))
	}
	return r.done(r.listBouncers(path, *jsonOut))
}

func (r *runner) addBouncer(path, name string, asJSON bool) error {
	if !crowdsec.ValidName(name) {
		return usageErrorf("bad bouncer name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	key, b, err := crowdsec.AddBouncer(path, name, time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		return r.writeJSON(struct {
			bouncerRow
			Key      string `json:"key"`
			KeysFile string `json:"keys_file"`
		}{bouncerRow{b.Name, b.Created.Format(time.RFC3339)}, key, path})
	}
	_, err = fmt.Fprintf(r.stdout, `API key for bouncer %q:

  %s

It is shown only this once: %s keeps only its SHA-256.
Put it in the bouncer's configuration as api_key, with api_url set to this
node's API (http://HOST:PORT/ of --api-listen). A running sentrypeer
accepts it within a second.
`, b.Name, key, path)
	return err
}

func (r *runner) deleteBouncer(path, name string, asJSON bool) error {
	if err := crowdsec.DeleteBouncer(path, name); err != nil {
		return err
	}
	if asJSON {
		return r.writeJSON(map[string]string{"deleted": name})
	}
	_, err := fmt.Fprintf(r.stdout, "deleted bouncer %q; a running sentrypeer refuses its key within a second\n", name)
	return err
}

func (r *runner) listBouncers(path string, asJSON bool) error {
	bs, err := crowdsec.LoadBouncers(path)
	if err != nil {
		return err
	}
	rows := make([]bouncerRow, 0, len(bs))
	for _, b := range bs {
		rows = append(rows, bouncerRow{b.Name, b.Created.UTC().Format(time.RFC3339)})
	}
	if asJSON {
		return r.writeJSON(map[string]any{"bouncers": rows})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(r.stdout, "no bouncers; add one with: sentrypeer bouncers add NAME")
		return err
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED")
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", cell(row.Name, 0), row.Created)
	}
	return tw.Flush()
}

// writeJSON prints v as indented JSON, made safe for a terminal.
func (r *runner) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.printJSON(b, true)
}
