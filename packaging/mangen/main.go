// Command mangen writes the man page sentrypeer(1) and the packaged config
// file from the same lists that -h prints: the settings of
// [config.Settings] and [config.OtherFlags], and the client subcommands
// that [cli.Usage] lists, each with the help text that "sentrypeer NAME -h"
// prints. Run it from the module root:
//
//	go run ./packaging/mangen
//
// It writes packaging/sentrypeer.1 and packaging/sentrypeer.conf (-man and
// -conf choose other paths; "-" is stdout). The output depends on nothing
// but the source, so the files are checked in, and the package's test fails
// when they are stale.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/sentrypeer/sentrypeer/internal/cli"
)

func main() {
	man := flag.String("man", "packaging/sentrypeer.1", "where to write the man page")
	conf := flag.String("conf", "packaging/sentrypeer.conf", "where to write the config file")
	flag.Parse()
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{*man, writeMan}, {*conf, writeConf}} {
		if err := writeTo(out.path, out.write); err != nil {
			fmt.Fprintf(os.Stderr, "mangen: %v\n", err)
			os.Exit(1)
		}
	}
}

func writeTo(path string, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("generating %s: %w", path, err)
	}
	if path == "-" {
		_, err := os.Stdout.Write(b.Bytes())
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// command is one subcommand as its -h describes it.
type command struct {
	name, usage string
}

// builtins are the subcommands that cmd/sentrypeer handles itself, not
// internal/cli; their text follows what cmd/sentrypeer prints.
var builtins = []command{
	{name: "id",
		usage: `sentrypeer id [--data-dir DIR] [--p2p-listen MULTIADDRS]

Print this node's peer ID and the multiaddrs other nodes can give to
--bootstrap-node, from the key in the data folder, whether or not the
daemon runs. It reads the settings as the daemon does (config file,
environment, flags), so --data-dir and --p2p-listen are taken from there too.

Exit status: 0 on success, 1 when the key cannot be read or made,
2 on a usage error.
`},
	{name: "version",
		usage: `sentrypeer version

Print "sentrypeer VERSION", then the commit, the build date, the Go
version and the build tags. -V prints the same.
`},
}

// commands returns every subcommand, by name: those [cli.Usage] lists, with
// the text their -h prints, and the builtins.
func commands() ([]command, error) {
	var list bytes.Buffer
	cli.Usage(&list)
	var cmds []command
	for _, line := range strings.Split(list.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "sentrypeer" || !strings.HasPrefix(line, "  ") {
			continue
		}
		name := f[1]
		var out, errs bytes.Buffer
		noEnv := func(string) (string, bool) { return "", false }
		if code := cli.Run(context.Background(), name, []string{"-h"}, noEnv, &out, &errs); code != cli.ExitOK {
			return nil, fmt.Errorf("sentrypeer %s -h: exit status %d: %s", name, code, errs.String())
		}
		usage, ok := strings.CutPrefix(out.String(), "Usage: ")
		if !ok {
			return nil, fmt.Errorf("sentrypeer %s -h: no Usage line", name)
		}
		cmds = append(cmds, command{name: name, usage: usage})
	}
	if len(cmds) == 0 {
		return nil, fmt.Errorf("no subcommands in cli.Usage")
	}
	cmds = append(cmds, builtins...)
	slices.SortFunc(cmds, func(a, b command) int { return strings.Compare(a.name, b.name) })
	return cmds, nil
}
