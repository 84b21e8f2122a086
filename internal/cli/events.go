package cli

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

// apiEvent is an event of the API.
type apiEvent = apiclient.Event

// eventFilter repeats the list filters on the stream, which takes none.
type eventFilter struct {
	prefix netip.Prefix // invalid when --ip is not set
	number string
	method string
}

func newEventFilter(ip, number, method string) (eventFilter, error) {
	f := eventFilter{number: number, method: method}
	if ip == "" {
		return f, nil
	}
	if p, err := netip.ParsePrefix(ip); err == nil {
		f.prefix = p.Masked()
		return f, nil
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return f, usageErrorf("invalid --ip %q: want an IP address or CIDR prefix", ip)
	}
	f.prefix = netip.PrefixFrom(a.WithZone(""), a.BitLen())
	return f, nil
}

func (f eventFilter) match(e apiEvent) bool {
	if f.prefix.IsValid() {
		a, err := netip.ParseAddr(e.SourceIP)
		if err != nil || !f.prefix.Contains(a.Unmap()) && !f.prefix.Contains(a) {
			return false
		}
	}
	if f.number != "" && e.CalledNumberNormalised != f.number && e.CalledNumber != f.number {
		return false
	}
	if f.method != "" && !strings.EqualFold(e.Method, f.method) {
		return false
	}
	return true
}

// eventSource shows ip:port ([v6]:port).
func eventSource(e *apiclient.Event) string {
	if a, err := netip.ParseAddr(e.SourceIP); err == nil {
		return netip.AddrPortFrom(a, e.SourcePort).String()
	}
	return cell(e.SourceIP, 46) + ":" + strconv.Itoa(int(e.SourcePort))
}

// eventCells returns the table row of e, made safe.
func eventCells(e *apiclient.Event) []string {
	return []string{atCell(e.Time), eventSource(e), cell(e.Transport, 5), cell(e.Method, 16), cell(e.CalledNumber, 32), cell(e.UserAgent, 60)}
}

func eventHeader() []string {
	return []string{"TIME", "SOURCE", "TRANSPORT", "METHOD", "CALLED NUMBER", "USER AGENT"}
}

func (r *runner) events(ctx context.Context, args []string) int {
	fs, com := r.flagSet()
	ip := fs.String("ip", "", "")
	number := fs.String("number", "", "")
	method := fs.String("method", "", "")
	limit := fs.Int("limit", 100, "")
	follow := fs.Bool("follow", false, "")
	pos, done, code := r.parse(fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return r.fail(usageErrorf("unexpected argument %q", pos[0]))
	}
	if *limit < 1 {
		return r.fail(usageErrorf("--limit must be at least 1"))
	}
	filter, err := newEventFilter(*ip, *number, *method)
	if err != nil {
		return r.fail(err)
	}
	c, err := r.client(com)
	if err != nil {
		return r.fail(err)
	}
	defer c.Close()

	q := apiclient.EventQuery{IP: *ip, Number: *number, Method: *method, Limit: *limit}
	if !*follow {
		page, err := c.Events(ctx, q)
		if err != nil {
			return r.fail(err)
		}
		if com.json {
			return r.done(r.printJSON(page.JSON, true))
		}
		return r.done(r.eventTable(page.Events))
	}
	return r.follow(ctx, c, q, filter, com.json)
}

func (r *runner) eventTable(events []apiclient.Event) error {
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(eventHeader(), "\t"))
	for i := range events {
		fmt.Fprintln(tw, strings.Join(eventCells(&events[i]), "\t"))
	}
	return tw.Flush()
}

// follow lists the recent events oldest first, then prints new ones from
// the stream. The stream is opened before the list is fetched so that no
// event falls between the two; events of the list that the stream repeats
// are skipped. It returns [ExitOK] when ctx is cancelled or the stream ends.
func (r *runner) follow(ctx context.Context, c *apiclient.Client, q apiclient.EventQuery, filter eventFilter, asJSON bool) int {
	stream, err := c.Stream(ctx)
	if err != nil {
		return r.fail(err)
	}
	defer stream.Close()

	page, err := c.Events(ctx, q)
	if err != nil {
		return r.fail(err)
	}
	seen := map[string]bool{}
	p := &followPrinter{w: r.stdout, json: asJSON}
	if !asJSON {
		if err := p.header(); err != nil {
			return r.fail(err)
		}
	}
	for _, e := range slices.Backward(page.Events) {
		if e.ID != "" {
			seen[e.ID] = true
		}
		if err := p.print(&e); err != nil {
			return r.fail(err)
		}
	}
	for {
		e, err := stream.Next()
		switch {
		case ctx.Err() != nil:
			return ExitOK
		case err == io.EOF:
			fmt.Fprintf(r.stderr, "sentrypeer %s: the API closed the event stream\n", r.name)
			return ExitOK
		case err != nil:
			return r.fail(err)
		}
		if seen[e.ID] || !filter.match(e) {
			continue
		}
		if err := p.print(&e); err != nil {
			return r.fail(err)
		}
	}
}

// followPrinter prints events one at a time: a table cannot be aligned
// over rows yet to come, so it pads to fixed widths instead of tabwriter.
type followPrinter struct {
	w    io.Writer
	json bool
}

func (p *followPrinter) header() error { return p.row(eventHeader()) }

func (p *followPrinter) print(e *apiclient.Event) error {
	if p.json {
		out, err := safeJSON(e.JSON, false)
		if err != nil {
			return err
		}
		_, err = p.w.Write(append(out, '\n'))
		return err
	}
	return p.row(eventCells(e))
}

func (p *followPrinter) row(cells []string) error {
	// The widths fit a time to the second, an IPv4 ip:port, the TRANSPORT
	// heading and common methods and numbers; longer cells push the rest.
	widths := [...]int{20, 21, 9, 9, 16}
	var b strings.Builder
	for i, c := range cells {
		if i < len(widths) {
			fmt.Fprintf(&b, "%-*s  ", widths[i], c)
		} else {
			b.WriteString(c)
		}
	}
	b.WriteByte('\n')
	_, err := io.WriteString(p.w, b.String())
	return err
}
