package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

func (r *runner) export(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	format := fs.String("format", "txt", "")
	kind := fs.String("kind", "", "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return r.fail(usageErrorf("unexpected argument %q", pos[0]))
	}
	formatSet := false
	fs.Visit(func(f *flag.Flag) { formatSet = formatSet || f.Name == "format" })
	if com.json {
		if formatSet && *format != "json" {
			return r.fail(usageErrorf("--json and --format %s exclude each other", *format))
		}
		*format = "json"
	}
	if !slices.Contains([]string{"txt", "csv", "json", "nft", "ipset"}, *format) {
		return r.fail(usageErrorf("invalid --format %q: want txt, csv, json, nft or ipset", *format))
	}
	if *kind != "" && !slices.Contains([]string{"ips", "numbers", "all"}, *kind) {
		return r.fail(usageErrorf("invalid --kind %q: want ips, numbers or all", *kind))
	}
	if (*format == "nft" || *format == "ipset") && *kind != "" && *kind != "ips" {
		return r.fail(usageErrorf("--format %s takes only --kind ips", *format))
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()

	// Streamed: the list may be long and stdout a slow pipe (| less), so
	// only the wait for the headers is bounded.
	list, err := c.Export(ctx, apiclient.ExportQuery{Format: *format, Kind: *kind})
	if err != nil {
		return r.fail(err)
	}
	defer list.Close()
	if _, err := io.Copy(r.stdout, list); err != nil {
		return r.fail(fmt.Errorf("copying the export: %w", err))
	}
	return ExitOK
}
