package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromium = "/usr/bin/chromium"

// browser starts a headless Chromium for the test and returns its context;
// it skips the test when Chromium is missing, unless CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is needed in CI: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	began := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Logf("chromium started in %v", time.Since(began).Round(time.Millisecond))
	return ctx
}

// console collects what the page logs, so the test can fail on exceptions
// and Content-Security-Policy violations.
type console struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func watchConsole(ctx context.Context) *console {
	c := &console{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *console) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		t.Logf("console %s: %s", m.Type, m.Text)
		if m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("page error: %s", m.Text)
		}
	}
}

// waitFor polls the JavaScript expression until it is truthy.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, page)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func screenshot(t *testing.T, ctx context.Context, dir, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// feedIDs is the data-id of each #feed row, top first.
const feedIDs = `[...document.querySelectorAll('#feed tr')].map(tr => tr.dataset.id)`

// jsUnits runs table tests of the page's pure modules inside the browser and
// returns the failures.
const jsUnits = `(async () => {
  const { SSEParser } = await import('/assets/sse.js');
  const { isIP } = await import('/assets/ip.js');
  const { EventTable, parseTime } = await import('/assets/events.js');
  const fails = [];
  const sse = [
    { name: 'event split across chunks', chunks: ['event: pro', 'be\nid: 7\ndata: {"a"', ':1}\n', '\n'], want: [['probe', '{"a":1}', '7']] },
    { name: 'CRLF split between CR and LF', chunks: ['data: a\r', '\ndata: b\r\n\r\n'], want: [['message', 'a\nb', '']] },
    { name: 'bare CR line ends', chunks: ['data: y\r\r', 'data: z\n\n'], want: [['message', 'y', ''], ['message', 'z', '']] },
    { name: 'comments and multi-line data', chunks: [': keep-alive\n\ndata: a\ndata:b\n\n'], want: [['message', 'a\nb', '']] },
    { name: 'event without data is not dispatched', chunks: ['event: probe\n\ndata: q\n\n'], want: [['message', 'q', '']] },
    { name: 'no trailing blank line yet', chunks: ['event: probe\ndata: 1\n'], want: [] },
  ];
  for (const c of sse) {
    const got = [];
    const p = new SSEParser((e) => got.push([e.type, e.data, e.id]));
    for (const ch of c.chunks) p.push(ch);
    if (JSON.stringify(got) !== JSON.stringify(c.want)) fails.push('sse ' + c.name + ': got ' + JSON.stringify(got));
  }
  const ips = [
    ['203.0.113.7', true], ['0.0.0.0', true], ['255.255.255.255', true], ['::', true], ['::1', true],
    ['2001:db8::7', true], ['1:2:3:4:5:6:7:8', true], ['::ffff:192.0.2.1', true], ['fe80::1:2:3:4:5:6', true],
    ['', false], ['100', false], ['0044201234567', false], ['+442012345', false], ['256.1.1.1', false],
    ['1.2.3', false], ['01.2.3.4', false], ['1.2.3.4:5060', false], ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false], [':::', false], ['12345::', false], ['g::1', false], ['1:2:3:4:5:6:7', false],
    ['::1.2.3', false], ['sip:100@1.2.3.4', false],
  ];
  for (const [s, want] of ips) if (isIP(s) !== want) fails.push('isIP(' + JSON.stringify(s) + ') != ' + want);
  const times = [
    ['2026-11-27T00:12:03.123456789Z', Date.UTC(2026, 10, 27, 0, 12, 3, 123)],
    ['2026-11-27T00:12:03Z', Date.UTC(2026, 10, 27, 0, 12, 3, 0)],
    ['2026-11-27T01:12:03.5+01:00', Date.UTC(2026, 10, 27, 0, 12, 3, 500)],
  ];
  for (const [s, want] of times) if (parseTime(s) !== want) fails.push('parseTime(' + s + ') = ' + parseTime(s));
  if (!Number.isNaN(parseTime('yesterday'))) fails.push('parseTime(yesterday) is a number');

  // The feed keeps the newest 200, newest first, whatever the arrival order.
  const tbody = document.createElement('tbody');
  const table = new EventTable(tbody, 200, () => {});
  const ev = (i) => ({ id: 'e' + i, time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), source_ip: '192.0.2.1' });
  const order = [...Array(250).keys()].sort((a, b) => ((a * 7919) % 251) - ((b * 7919) % 251));
  for (let i = 0; i < order.length; i += 10) table.add(order.slice(i, i + 10).map(ev));
  table.add([ev(249), ev(100)]); // duplicates
  const rows = [...tbody.rows].map((tr) => tr.dataset.id);
  const want = [...Array(200).keys()].map((i) => 'e' + (249 - i));
  if (JSON.stringify(rows) !== JSON.stringify(want)) fails.push('feed rows: ' + rows.slice(0, 5) + ' ... (' + rows.length + ')');
  if (table.size !== 200) fails.push('feed remembers ' + table.size + ' events, want 200');
  return fails;
})()`

func TestDashboardInBrowser(t *testing.T) {
	start := time.Now()
	ctx := browser(t)
	api := newFakeAPI()
	srv := httptest.NewServer(api) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(api.done) }) // runs first: ends open streams
	out := os.Getenv("SENTRYPEER_SCREENSHOT_DIR")
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	logs := watchConsole(ctx)

	do(t, ctx, "loading the page", chromedp.Navigate(srv.URL+"/"))

	// No key yet: the API answers 401 and the page asks for one.
	waitFor(t, ctx, "the key form", `!document.getElementById('api-key-form').hidden`)
	do(t, ctx, "entering the key",
		chromedp.SendKeys(chromedp.CSS("#api-key-input"), fakeKey),
		chromedp.Click(chromedp.CSS("#api-key-save")),
	)
	if got := eval[string](t, ctx, `localStorage.getItem('sentrypeer.apiKey')`); got != fakeKey {
		t.Errorf("stored key = %q, want %q", got, fakeKey)
	}

	waitFor(t, ctx, "totals", `document.getElementById('total-events').dataset.value === '1234567'`)
	waitFor(t, ctx, "live status", `document.getElementById('status').textContent === 'live'`)
	waitFor(t, ctx, "the first page of events", feedIDs+`.length === 3`)
	totals := eval[[]string](t, ctx, `['total-events', 'total-ips', 'total-numbers'].map(id => document.getElementById(id).textContent)`)
	if want := []string{"1,234,567", "20,345", "50,210"}; !slices.Equal(totals, want) {
		t.Errorf("totals = %q, want %q", totals, want)
	}
	if bars := eval[int](t, ctx, `document.querySelectorAll('#chart rect').length`); bars < 160 || bars > 168 {
		t.Errorf("chart has %d bars, want one per non-empty hour (164 of 168)", bars)
	}
	if v := eval[string](t, ctx, `document.getElementById('version').textContent`); !strings.Contains(v, "9.8.7-test") {
		t.Errorf("version = %q", v)
	}

	// What is blocked now, and each blocker's state.
	waitFor(t, ctx, "the blocking panel", `!document.getElementById('blocking').hidden && document.querySelectorAll('#latest-decisions tr').length === 2`)
	if got := eval[string](t, ctx, `document.getElementById('blocking-total').textContent + ' / ' + document.getElementById('blocking-origins').textContent`); got != "1,232 / local 1,200 · peers 30 · trusted 0 · manual 2" {
		t.Errorf("blocking totals = %q", got)
	}
	blockers := eval[[]string](t, ctx, `[...document.querySelectorAll('#blockers tr')].map(tr => [...tr.cells].map(td => td.textContent).join('|'))`)
	if want := []string{"nftables|in sync|1,230", "crowdsec|failing|0"}; !slices.Equal(blockers, want) {
		t.Errorf("blockers = %q, want %q", blockers, want)
	}
	if eval[bool](t, ctx, `'pwned' in window || document.querySelector('#blocking img, #blocking script') !== null`) {
		t.Error("a decision's text became markup")
	}

	// Probes arrive on the stream: newest on top.
	close(api.publish)
	waitFor(t, ctx, "the streamed probes", feedIDs+`.length === 5`)
	ids := eval[[]string](t, ctx, feedIDs)
	wantIDs := []string{streamProbes[1].ID, streamProbes[0].ID, storedProbes[2].ID, storedProbes[1].ID, storedProbes[0].ID}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("feed ids = %q\nwant %q", ids, wantIDs)
	}
	row := eval[[]string](t, ctx, `[...document.querySelector('#feed tr').cells].map(td => td.textContent)`)
	if want := []string{"2026-11-27 00:12:04", "2001:db8::7", "OPTIONS", "100", xss}; !slices.Equal(row, want) {
		t.Errorf("top feed row = %q\nwant %q", row, want)
	}
	if eval[bool](t, ctx, `'pwned' in window || document.querySelector('#feed img, #feed script, #top-user-agents img') !== null`) {
		t.Error("an attacker's user agent became markup")
	}

	// Search: a number that was never seen, then a bad IP.
	do(t, ctx, "searching a number",
		chromedp.SetValue(chromedp.CSS("#search-input"), "+44 20 7946 0000"),
		chromedp.Click(chromedp.CSS("#search-button")),
	)
	waitFor(t, ctx, "number verdict", `document.getElementById('search-result').textContent.includes('not seen')`)
	if got := eval[string](t, ctx, `document.getElementById('search-result').textContent`); got != "+44 20 7946 0000: not seen" {
		t.Errorf("number result = %q", got)
	}
	do(t, ctx, "searching an IP",
		chromedp.SetValue(chromedp.CSS("#search-input"), "203.0.113.7"),
		chromedp.Click(chromedp.CSS("#search-button")),
	)
	waitFor(t, ctx, "IP verdict and its events", `document.getElementById('search-result').textContent.includes('bad') && document.querySelectorAll('#search-events tr').length === 2`)
	if got := eval[string](t, ctx, `document.getElementById('search-result').textContent`); !strings.HasPrefix(got, "203.0.113.7: bad (5,321 probes") {
		t.Errorf("IP result = %q", got)
	}
	screenshot(t, ctx, out, "dashboard-1366.png", chromedp.FullScreenshot(100))

	// A row opens the event view with the raw SIP message.
	do(t, ctx, "clicking a feed row", chromedp.Click(chromedp.CSS(`#feed tr[data-id="`+streamProbes[1].ID+`"]`)))
	waitFor(t, ctx, "the raw message", `document.getElementById('event-view').open && document.getElementById('event-raw').textContent.startsWith('OPTIONS sip:100@127.0.0.1 SIP/2.0')`)
	view, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#event-view")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{streamProbes[1].ID, "Call-ID: call-" + streamProbes[1].ID, "raw_truncated", "destination_port", xss} {
		if !strings.Contains(view, want) {
			t.Errorf("event view lacks %q:\n%s", want, view)
		}
	}
	screenshot(t, ctx, out, "event-view-1366.png", chromedp.CaptureScreenshot())
	do(t, ctx, "closing the event view", chromedp.Click(chromedp.CSS("#event-view-close")))
	waitFor(t, ctx, "the event view to close", `!document.getElementById('event-view').open`)

	do(t, ctx, "phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("page is %d px wide at a 390 px viewport: it scrolls sideways", w)
	}
	screenshot(t, ctx, out, "dashboard-390.png", chromedp.FullScreenshot(100))

	fails, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](jsUnits, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running the JavaScript units: %v", err)
	}
	for _, f := range fails {
		t.Errorf("JavaScript unit: %s", f)
	}
	logs.check(t)

	api.mu.Lock()
	defer api.mu.Unlock()
	for _, p := range api.problems {
		t.Errorf("fake API: %s", p)
	}
	if api.rawLookups == 0 {
		t.Error("the event view never asked for raw=true")
	}
	// The 401 is not counted: one call with the key, a second only if the
	// test ran past 10 s.
	if max := 1 + int(time.Since(start)/(10*time.Second)); api.statsCalls > max {
		t.Errorf("stats fetched %d times in %v: more often than every 10 s", api.statsCalls, time.Since(start))
	}
}
