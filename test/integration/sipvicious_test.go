package integration

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/event"
)

func countWhere(evs []event.Event, f func(e event.Event) bool) int {
	n := 0
	for _, e := range evs {
		if f(e) {
			n++
		}
	}
	return n
}

func friendly(e event.Event) bool {
	return e.UserAgent == "friendly-scanner" && e.Source.Addr().String() == "127.0.0.1" && e.Transport == event.UDP
}

// TestSvmap: the scanner's OPTIONS sweep is recorded, silently (passive)
// and answered (responsive, where svmap then lists the honeypot).
func TestSvmap(t *testing.T) {
	svmap := requirePeer(t, "svmap")
	for _, responsive := range []bool{false, true} {
		t.Run(fmt.Sprintf("responsive=%v", responsive), func(t *testing.T) {
			var args []string
			if responsive {
				args = append(args, "-r", "--sip-server", "TestPBX 1.0")
			}
			d := start(t, "", args...)
			out, err := run(t, time.Minute, svmap, "127.0.0.1", "-p", fmt.Sprint(d.port))
			if err != nil {
				t.Fatalf("svmap: %v\n%s", err, out)
			}
			if responsive != strings.Contains(out, "TestPBX 1.0") {
				t.Errorf("svmap output (responsive=%v):\n%s", responsive, out)
			}
			d.stop()
			evs := d.events()
			n := countWhere(evs, func(e event.Event) bool {
				return friendly(e) && e.Method == "OPTIONS" && e.Destination.String() == d.addr && e.CalledNumber != ""
			})
			if n == 0 || n != len(evs) {
				t.Fatalf("%d friendly-scanner OPTIONS out of %d events: %+v", n, len(evs), evs)
			}
			if got := len(d.jsonLog()); got != len(evs) {
				t.Errorf("JSON log %d lines, database %d", got, len(evs))
			}
		})
	}
}

// TestSvwarListsExtensions: in responsive mode svwar believes extensions
// exist and lists them; every REGISTER it sends is recorded.
func TestSvwarListsExtensions(t *testing.T) {
	svwar := requirePeer(t, "svwar")
	d := start(t, "", "-r")
	out, err := run(t, 2*time.Minute, svwar, "-e100-105", "-p", fmt.Sprint(d.port), "127.0.0.1")
	if err != nil {
		t.Fatalf("svwar: %v\n%s", err, out)
	}
	for ext := 100; ext <= 105; ext++ {
		if !regexp.MustCompile(fmt.Sprintf(`\|\s*%d\s*\|`, ext)).MatchString(out) {
			t.Errorf("svwar did not list extension %d:\n%s", ext, out)
		}
	}
	d.stop()
	evs := d.events()
	for ext := 100; ext <= 105; ext++ {
		if countWhere(evs, func(e event.Event) bool {
			return friendly(e) && e.Method == "REGISTER" && e.CalledNumber == fmt.Sprint(ext)
		}) == 0 {
			t.Errorf("no REGISTER for extension %d stored", ext)
		}
	}
	if got := len(d.jsonLog()); got != len(evs) {
		t.Errorf("JSON log %d lines, database %d", got, len(evs))
	}
}

// TestSvcrackAttemptsRecorded: svcrack walks its passwords against one
// extension; each attempt is recorded and no password is "found".
func TestSvcrackAttemptsRecorded(t *testing.T) {
	svcrack := requirePeer(t, "svcrack")
	d := start(t, "", "-r")
	out, err := run(t, 2*time.Minute, svcrack, "-u", "100", "-r", "1000-1010", "-p", fmt.Sprint(d.port), "127.0.0.1")
	if err != nil {
		t.Fatalf("svcrack: %v\n%s", err, out)
	}
	if regexp.MustCompile(`\|\s*100\s*\|\s*10\d\d\s*\|`).MatchString(out) {
		t.Errorf("svcrack claims a password was found:\n%s", out)
	}
	d.stop()
	evs := d.events()
	regs := countWhere(evs, func(e event.Event) bool {
		return friendly(e) && e.Method == "REGISTER" && e.CalledNumber == "100"
	})
	// One REGISTER per password tried (11), plus the unauthenticated first.
	if regs < 11 {
		t.Fatalf("%d REGISTERs for 100 stored, want at least 11; svcrack said:\n%s", regs, out)
	}
	if got := len(d.jsonLog()); got != len(evs) {
		t.Errorf("JSON log %d lines, database %d", got, len(evs))
	}
}
