package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
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
	defer c.close()

	q := url.Values{"format": {*format}}
	if *kind != "" {
		q.Set("kind", *kind)
	}
	// Streamed: the list may be long and stdout a slow pipe (| less), so
	// only the wait for the headers is bounded.
	resp, err := c.open(ctx, "/api/v1/export", q, "*/*", true)
	if err != nil {
		return r.fail(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(r.stdout, resp.Body); err != nil {
		return r.fail(fmt.Errorf("GET %s: copying reply: %w", c.url("/api/v1/export", q), err))
	}
	return ExitOK
}
