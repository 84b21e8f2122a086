package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/clients"
)

const clientsUsage = `sentrypeer clients add NAME | list | delete NAME|ID [flags]

Manage the API's OAuth2 clients (client credentials grant, as SentryPeerHQ
has them): CGRateS's *sentrypeer filter, another SentryPeer's webhook (-w,
-i, -c), or any program that asks this node's API about IP addresses and
numbers, or reports events to it. A client exchanges its id and secret for a
short-lived token at POST /oauth/token and sends it as
"Authorization: Bearer TOKEN". It edits DATA-DIR/clients.db (SQLite, mode
0600) directly, so the daemon need not run; a running daemon sees a change
within a second, and a deleted client's tokens stop working then.

With a client and no API key, every API request but the dashboard's files and
/health-check needs a credential (a token, the API key or the admin key).

Actions:
  add NAME         make a client and print its id and secret; the secret is
                   shown only this once (the file keeps only its SHA-256)
  list             list the clients: name, id, scopes, trust, when added
  delete NAME|ID   remove a client; its tokens stop working

Flags:
  --scope LIST     with add: read (GET requests; the default), report
                   (POST /api/events) or read,report
  --trusted        with add: the client's reports alone make decisions, as a
                   --p2p-trust peer's do; otherwise a quorum (--p2p-quorum) of
                   distinct clients and peers must agree
` + manageFlagsUsage

// clientRow is one client in the --json output of clients.
type clientRow struct {
	Name     string   `json:"name"`
	ClientID string   `json:"client_id"`
	Scope    []string `json:"scope"`
	Trusted  bool     `json:"trusted"`
	Created  string   `json:"created"`
}

func rowOf(c clients.Client) clientRow {
	return clientRow{Name: c.Name, ClientID: c.ID, Scope: c.Scope.Names(), Trusted: c.Trusted, Created: c.Created.UTC().Format(time.RFC3339)}
}

// clients manages the API clients in the data folder's clients.db; like
// bouncers it needs no running daemon.
func (r *runner) clients(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("sentrypeer "+r.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jsonOut := fs.Bool("json", false, "")
	dataDir := fs.String("data-dir", "", "")
	scopeFlag := fs.String("scope", "", "")
	trusted := fs.Bool("trusted", false, "")
	var configFile string
	fs.StringVar(&configFile, "g", "", "")
	fs.StringVar(&configFile, "config", "", "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	action, name, err := manageAction(pos, "add NAME, list or delete NAME|ID", "client")
	if err != nil {
		return r.fail(err)
	}
	if action != "add" && (*scopeFlag != "" || *trusted) {
		return r.fail(usageErrorf("--scope and --trusted go with add"))
	}
	scope := clients.Read
	if *scopeFlag != "" {
		s, err := clients.ParseScope(*scopeFlag)
		if err != nil {
			return r.fail(usageErrorf("--scope %s: want read, report or read,report", *scopeFlag))
		}
		scope = s
	}
	if action == "add" && !clients.ValidName(name) {
		return r.fail(usageErrorf("bad client name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name))
	}
	dir, err := r.dataDir(*dataDir, configFile)
	if err != nil {
		return r.fail(err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return r.fail(fmt.Errorf("creating data folder: %w", err))
	}
	path := filepath.Join(dir, clients.File)
	db, err := clients.Open(ctx, path)
	if err != nil {
		return r.fail(err)
	}
	defer db.Close()
	switch action {
	case "add":
		return r.done(r.addClient(ctx, db, path, name, scope, *trusted, *jsonOut))
	case "delete":
		return r.done(r.deleteClient(ctx, db, name, *jsonOut))
	}
	return r.done(r.listClients(ctx, db, *jsonOut))
}

func (r *runner) addClient(ctx context.Context, db *clients.DB, path, name string, scope clients.Scope, trusted, asJSON bool) error {
	c, secret, err := db.Add(ctx, name, scope, trusted, time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		return r.clientJSON(struct {
			clientRow
			ClientSecret string `json:"client_secret"`
			ClientsFile  string `json:"clients_file"`
		}{rowOf(c), secret, path})
	}
	trust := "no: a quorum (--p2p-quorum) of clients and peers must agree"
	if trusted {
		trust = "yes: its reports alone make decisions"
	}
	_, err = fmt.Fprintf(r.stdout, `API client %q (scope %s; trusted %s):

  client_id:     %s
  client_secret: %s

The secret is shown only this once: %s keeps only its SHA-256.
Exchange both for a token at POST /oauth/token (grant_type=client_credentials),
e.g. CGRateS's "sentrypeer" section: token_url http(s)://HOST:PORT/oauth/token,
ips_url .../api/ip-addresses, numbers_url .../api/phone-numbers.
A running sentrypeer accepts it within a second.
`, c.Name, strings.Join(c.Scope.Names(), ","), trust, c.ID, secret, path)
	return err
}

func (r *runner) deleteClient(ctx context.Context, db *clients.DB, nameOrID string, asJSON bool) error {
	c, err := db.Delete(ctx, nameOrID)
	if err != nil {
		return err
	}
	if asJSON {
		return r.clientJSON(map[string]string{"deleted": c.Name, "client_id": c.ID})
	}
	_, err = fmt.Fprintf(r.stdout, "deleted client %q (%s); a running sentrypeer refuses its tokens within a second\n", c.Name, c.ID)
	return err
}

func (r *runner) listClients(ctx context.Context, db *clients.DB, asJSON bool) error {
	cs, err := db.List(ctx)
	if err != nil {
		return err
	}
	rows := make([]clientRow, 0, len(cs))
	for _, c := range cs {
		rows = append(rows, rowOf(c))
	}
	if asJSON {
		return r.clientJSON(map[string]any{"clients": rows})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(r.stdout, "no API clients; add one with: sentrypeer clients add NAME")
		return err
	}
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLIENT ID\tSCOPE\tTRUSTED\tCREATED")
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", safeText(row.Name), row.ClientID, strings.Join(row.Scope, ","), row.Trusted, row.Created)
	}
	return tw.Flush()
}

// clientJSON prints v as indented JSON, made safe for a terminal.
func (r *runner) clientJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.printJSON(b, true)
}
