package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sentrypeer/sentrypeer/apiclient"
	"github.com/sentrypeer/sentrypeer/internal/config"
)

const decisionsUsage = `sentrypeer decisions [flags]

List what is blocked now: the decisions every blocker follows
(GET /api/v1/decisions), in value order.

Flags:
  --kind KIND      ip, range or number
  --origin ORIGIN  local, peers, trusted or manual
  --contains TEXT  only values containing TEXT
  --limit N        rows per page, 1..1000 (default 100)
  --all            fetch every page; with --json, one object holding all
` + commonUsage

const blockUsage = `sentrypeer block VALUE [flags]

Block an IP address, a network in CIDR form, or a called number at every
blocker (POST /api/v1/decisions). It also lifts an earlier unblock.

Flags:
  --for DURATION   how long, e.g. 24h (default: the daemon's --block-for)
  --reason TEXT    why, shown with the decision
` + adminUsage + commonUsage

const unblockUsage = `sentrypeer unblock VALUE [flags]

Remove VALUE's decision from every blocker at once, and keep it from
coming back on new sightings until it is blocked again
(DELETE /api/v1/decisions/VALUE).

Flags:
` + adminUsage + commonUsage

const adminUsage = `  --data-dir DIR   the daemon's data folder, whose admin.key authorises
                   the change (default SENTRYPEER_DATA_DIR, else
                   sentrypeer-data); --api-key works instead
`

func (r *runner) decisions(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	kind := fs.String("kind", "", "")
	origin := fs.String("origin", "", "")
	contains := fs.String("contains", "", "")
	limit := fs.Int("limit", 100, "")
	all := fs.Bool("all", false, "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return r.fail(usageErrorf("unexpected argument %q", pos[0]))
	}
	if *limit < 1 || *limit > 1000 {
		return r.fail(usageErrorf("--limit wants 1..1000"))
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()
	q := apiclient.DecisionQuery{Kind: *kind, Origin: *origin, Contains: *contains, Limit: *limit}
	var rows []apiclient.Decision
	if *all {
		for d, err := range c.AllDecisions(ctx, q) {
			if err != nil {
				return r.fail(err)
			}
			rows = append(rows, d)
		}
	} else {
		page, err := c.Decisions(ctx, q)
		if err != nil {
			return r.fail(err)
		}
		if com.json {
			return r.done(r.printJSON(page.JSON, true))
		}
		rows = page.Decisions
	}
	if com.json {
		// Each decision as the API sent it.
		raws := make([]json.RawMessage, len(rows))
		for i, d := range rows {
			raws[i] = d.JSON
		}
		b, err := json.Marshal(struct {
			Decisions []json.RawMessage `json:"decisions"`
		}{raws})
		if err != nil {
			return r.fail(err)
		}
		return r.done(r.printJSON(b, true))
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VALUE\tKIND\tORIGIN\tREPORTERS\tUNTIL\tREASON")
	for _, d := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", safeText(d.Value), d.Kind, d.Origin, d.Reporters, d.Until.Format(time.RFC3339Nano), safeText(d.Reason))
	}
	tw.Flush()
	return ExitOK
}

// adminFlags adds --data-dir, and returns a function that fills in the
// admin key when no API key was given.
func (r *runner) adminFlags(fs interface {
	StringVar(p *string, name, value, usage string)
}, com *common) func() error {
	var dir string
	fs.StringVar(&dir, "data-dir", "", "")
	return func() error {
		if com.apiKey != "" {
			return nil
		}
		if k, ok := r.env("SENTRYPEER_API_KEY"); ok && k != "" {
			return nil
		}
		dir, err := r.dataDir(dir, "") // as the daemon finds it
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dir, "admin.key"))
		if errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("no admin key in %s (the daemon creates admin.key there when it starts; set --data-dir, or --api-key)", dir)
		}
		if err != nil {
			return fmt.Errorf("reading the admin key: %w", err)
		}
		com.apiKey = strings.TrimSpace(string(b))
		return nil
	}
}

func (r *runner) block(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	dur := fs.Duration("for", 0, "")
	reason := fs.String("reason", "", "")
	admin := r.adminFlags(fs, com)
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 || pos[0] == "" {
		return r.fail(usageErrorf("want one IP address, network or number"))
	}
	if *dur < 0 {
		return r.fail(usageErrorf("--for must be positive"))
	}
	if err := admin(); err != nil {
		return r.fail(err)
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()
	d, err := c.Block(ctx, apiclient.Block{Value: pos[0], For: *dur, Reason: *reason})
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		return r.done(r.printJSON(d.JSON, true))
	}
	fmt.Fprintf(r.stdout, "blocked %s (%s) until %s\n", safeText(d.Value), d.Kind, d.Until.Format(time.RFC3339))
	return ExitOK
}

func (r *runner) unblock(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	admin := r.adminFlags(fs, com)
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 || pos[0] == "" {
		return r.fail(usageErrorf("want one IP address, network or number"))
	}
	if err := admin(); err != nil {
		return r.fail(err)
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()
	rep, err := c.Unblock(ctx, pos[0])
	if err != nil {
		return r.fail(err)
	}
	if com.json {
		return r.done(r.printJSON(rep.JSON, true))
	}
	if rep.Removed {
		fmt.Fprintf(r.stdout, "unblocked %s; it stays unblocked until blocked again\n", safeText(rep.Value))
	} else {
		fmt.Fprintf(r.stdout, "%s was not blocked; it stays unblocked until blocked again\n", safeText(rep.Value))
	}
	return ExitOK
}

// dataDir finds the data folder as the daemon does: --data-dir, else
// SENTRYPEER_DATA_DIR, else data-dir in the config file (-g, else
// SENTRYPEER_CONFIG_FILE), else the default.
func (r *runner) dataDir(dir, configFile string) (string, error) {
	var args []string
	if configFile != "" {
		args = append(args, "-g", configFile)
	}
	if dir != "" {
		args = append(args, "--data-dir", dir)
	}
	cfg, err := config.Load(args, r.env)
	if err != nil {
		return "", fmt.Errorf("finding the data folder: %w", err)
	}
	return cfg.DataDir, nil
}
