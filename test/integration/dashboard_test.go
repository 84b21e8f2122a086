package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// artifactDir is where tests leave files for people to look at: the
// SENTRYPEER_ARTIFACTS folder (make check sets it), else a temporary one.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("SENTRYPEER_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestDashboard drives the dashboard of a real daemon in headless
// Chromium: probes sent with sipp appear in its live feed, the search
// finds the IP, and an event shows its raw SIP message.
func TestDashboard(t *testing.T) {
	chromium := requirePeer(t, "chromium")
	d := start(t, "")
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel() // stops Chromium
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	wait := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
			t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, page)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(d.api+"/")); err != nil {
		t.Fatalf("loading the dashboard: %v", err)
	}
	wait("the live stream", `document.getElementById("status").textContent.trim() === "live"`)

	sipp(t, d, "invite.xml", "u1", 10, 100)
	var page struct {
		Events []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	waitFor(t, "10 stored events", 10*time.Second, func() bool {
		getJSON(t, d.api+"/api/v1/events?limit=100", &page)
		return len(page.Events) == 10
	})
	for _, e := range page.Events {
		wait("event "+e.ID+" in the feed", `document.querySelector('#feed tr[data-id="`+e.ID+`"]') !== null`)
	}

	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#search-input"), "127.0.0.1"),
		chromedp.Click(chromedp.CSS("#search-button"))); err != nil {
		t.Fatalf("searching: %v", err)
	}
	wait("the search result", `/127\.0\.0\.1: bad/.test(document.getElementById("search-result").textContent)`)
	wait("the totals", `document.getElementById("total-events").dataset.value === "10"`)

	dir := artifactDir(t)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(dir, "dashboard.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	id := page.Events[0].ID
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#feed tr[data-id="`+id+`"]`))); err != nil {
		t.Fatalf("opening an event: %v", err)
	}
	wait("the raw message", `document.getElementById("event-raw").textContent.startsWith("INVITE sip:00972597")`)
	raw, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("event-raw").textContent`))
	if !strings.Contains(raw, "User-Agent: sipcli/v1.8") {
		t.Errorf("raw message shown:\n%s", raw)
	}
	d.stop()
}
