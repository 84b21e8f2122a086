package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// apiEvent holds the fields of an API event that the table shows or the
// filters test.
type apiEvent struct {
	ID                     string `json:"id"`
	Time                   string `json:"time"`
	Transport              string `json:"transport"`
	SourceIP               string `json:"source_ip"`
	SourcePort             int    `json:"source_port"`
	Method                 string `json:"method"`
	CalledNumber           string `json:"called_number"`
	CalledNumberNormalised string `json:"called_number_normalised"`
	UserAgent              string `json:"user_agent"`
}

// eventsPage is the reply of /api/v1/events; events stay raw so that
// --json prints every field the API sent.
type eventsPage struct {
	Events     []json.RawMessage `json:"events"`
	NextCursor string            `json:"next_cursor"`
}

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

// source shows ip:port ([v6]:port).
func (e apiEvent) source() string {
	if a, err := netip.ParseAddr(e.SourceIP); err == nil {
		return netip.AddrPortFrom(a, uint16(e.SourcePort)).String()
	}
	return cell(e.SourceIP, 46) + ":" + strconv.Itoa(e.SourcePort)
}

// cells returns the table row of e, made safe.
func (e apiEvent) cells() []string {
	return []string{timeCell(e.Time), e.source(), cell(e.Transport, 5), cell(e.Method, 16), cell(e.CalledNumber, 32), cell(e.UserAgent, 60)}
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
	defer c.close()

	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	for k, v := range map[string]string{"ip": *ip, "number": *number, "method": *method} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !*follow {
		var page eventsPage
		raw, err := c.getJSON(ctx, "/api/v1/events", q, &page)
		if err != nil {
			return r.fail(err)
		}
		if com.json {
			return r.done(r.printJSON(raw, true))
		}
		return r.done(r.eventTable(page.Events))
	}
	return r.follow(ctx, c, q, filter, com.json)
}

func (r *runner) eventTable(events []json.RawMessage) error {
	tw := tabwriter.NewWriter(r.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(eventHeader(), "\t"))
	for _, raw := range events {
		var e apiEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decoding event: %w", err)
		}
		fmt.Fprintln(tw, strings.Join(e.cells(), "\t"))
	}
	return tw.Flush()
}

// follow lists the recent events oldest first, then prints new ones from
// the stream. The stream is opened before the list is fetched so that no
// event falls between the two; events of the list that the stream repeats
// are skipped. It returns [ExitOK] when ctx is cancelled or the stream ends.
func (r *runner) follow(ctx context.Context, c *client, q url.Values, filter eventFilter, asJSON bool) int {
	streamCtx, cancelStream := context.WithCancelCause(ctx)
	defer cancelStream(nil)
	stream, err := c.open(streamCtx, "/api/v1/events/stream", nil, "text/event-stream", true)
	if err != nil {
		return r.fail(err)
	}
	defer stream.Body.Close()

	var page eventsPage
	if _, err := c.getJSON(ctx, "/api/v1/events", q, &page); err != nil {
		return r.fail(err)
	}
	seen := map[string]bool{}
	p := &followPrinter{w: r.stdout, json: asJSON}
	if !asJSON {
		if err := p.header(); err != nil {
			return r.fail(err)
		}
	}
	for _, raw := range slices.Backward(page.Events) {
		var e apiEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return r.fail(fmt.Errorf("decoding event: %w", err))
		}
		if e.ID != "" {
			seen[e.ID] = true
		}
		if err := p.print(e, raw); err != nil {
			return r.fail(err)
		}
	}

	// The API sends a keep-alive every 15 s: a longer silence means a dead
	// connection, which would otherwise hang here for good.
	idle := time.AfterFunc(r.streamIdle, func() { cancelStream(errStreamIdle) })
	defer idle.Stop()
	body := readFunc(func(b []byte) (int, error) {
		n, err := stream.Body.Read(b)
		idle.Reset(r.streamIdle)
		return n, err
	})

	u := c.url("/api/v1/events/stream", nil)
	err = readSSE(body, func(ev sseEvent) error {
		if ev.Type != "probe" && ev.Type != "message" {
			return nil
		}
		var e apiEvent
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return fmt.Errorf("GET %s: decoding event %s: %w", u, ev.ID, err)
		}
		if e.ID == "" {
			e.ID = ev.ID
		}
		if seen[e.ID] || !filter.match(e) {
			return nil
		}
		return p.print(e, ev.Data)
	})
	switch {
	case ctx.Err() != nil:
		return ExitOK
	case errors.Is(context.Cause(streamCtx), errStreamIdle):
		return r.fail(fmt.Errorf("GET %s: no data on the event stream for %v (keep-alives are due every 15 s)", u, r.streamIdle))
	case err == nil:
		fmt.Fprintf(r.stderr, "sentrypeer %s: the API closed the event stream\n", r.name)
		return ExitOK
	case errors.Is(err, io.ErrUnexpectedEOF):
		return r.fail(fmt.Errorf("GET %s: event stream cut: %w", u, err))
	default:
		return r.fail(err)
	}
}

// errStreamIdle ends a stream that has been silent too long.
var errStreamIdle = errors.New("cli: no data on the event stream")

// readFunc adapts a function to [io.Reader].
type readFunc func([]byte) (int, error)

func (f readFunc) Read(b []byte) (int, error) { return f(b) }

// followPrinter prints events one at a time: a table cannot be aligned
// over rows yet to come, so it pads to fixed widths instead of tabwriter.
type followPrinter struct {
	w    io.Writer
	json bool
}

func (p *followPrinter) header() error { return p.row(eventHeader()) }

func (p *followPrinter) print(e apiEvent, raw []byte) error {
	if p.json {
		out, err := safeJSON(raw, false)
		if err != nil {
			return err
		}
		_, err = p.w.Write(append(out, '\n'))
		return err
	}
	return p.row(e.cells())
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
