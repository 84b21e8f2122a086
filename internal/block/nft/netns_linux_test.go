//go:build linux

package nft

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// These tests work on real nftables, inside network namespaces that they
// make and delete; they never touch the host's ruleset. They need root,
// nft and ip: without them they fail under CI=true and skip elsewhere.

func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; CI=true, so the nftables tests must run (root, nft, ip)", msg)
	}
	tb.Skipf("%s; skipping the nftables tests", msg)
}

// netns is a network namespace made for one test.
type netns struct {
	tb   testing.TB
	name string
	fd   int
}

var nsSeq atomic.Int32

// newNetns makes a namespace with lo up and deletes it when the test ends,
// whether it passed or not.
func newNetns(tb testing.TB) *netns {
	tb.Helper()
	if os.Geteuid() != 0 {
		missing(tb, "not root")
	}
	for _, bin := range []string{"nft", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing(tb, "no %s", bin)
		}
	}
	name := fmt.Sprintf("spnft-%d-%d", os.Getpid(), nsSeq.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		missing(tb, "ip netns add: %v: %s", err, out)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			tb.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	fd, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { unix.Close(fd) })
	n := &netns{tb: tb, name: name, fd: fd}
	n.ip("link", "set", "lo", "up")
	return n
}

// ip runs ip -n NAME args.
func (n *netns) ip(args ...string) {
	n.tb.Helper()
	if out, err := exec.Command("ip", append([]string{"-n", n.name}, args...)...).CombinedOutput(); err != nil {
		n.tb.Fatalf("ip -n %s %s: %v: %s", n.name, strings.Join(args, " "), err, out)
	}
}

// nft runs nft args inside the namespace; the test fails on an error.
func (n *netns) nft(args ...string) string {
	n.tb.Helper()
	out, err := n.nftErr(args...)
	if err != nil {
		n.tb.Fatalf("nft %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

func (n *netns) nftErr(args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", n.name, "nft"}, args...)...).CombinedOutput()
	return string(out), err
}

// nftScript runs an nft script (nft -f -).
func (n *netns) nftScript(script string) {
	n.tb.Helper()
	cmd := exec.Command("ip", "netns", "exec", n.name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.tb.Fatalf("nft -f: %v: %s\n%s", err, out, script)
	}
}

// do runs fn on an OS thread inside the namespace; sockets fn opens stay
// in it. The thread is never returned to the scheduler: it ends with its
// goroutine, so no other code runs in the namespace by accident.
func (n *netns) do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked, on purpose
		if err := unix.Setns(n.fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// listing is a table as nft -j lists it.
type listing struct {
	exists bool
	flags  []string
	// sets: set name → element ("192.0.2.1", "203.0.113.0/24") → seconds
	// left (expires; -1 for an element without a timeout).
	sets map[string]map[string]int
	// setFlags: set name → flags.
	setFlags map[string][]string
	chains   map[string]nftChain
	// rules: chain name → each rule as nft lists it in text.
	rules map[string][]string
}

type nftChain struct {
	Type   string `json:"type"`
	Hook   string `json:"hook"`
	Prio   int    `json:"prio"`
	Policy string `json:"policy"`
}

// list reads table inet <table>.
func (n *netns) list(table string) listing {
	n.tb.Helper()
	l := listing{sets: map[string]map[string]int{}, setFlags: map[string][]string{}, chains: map[string]nftChain{}, rules: map[string][]string{}}
	out, err := n.nftErr("-j", "list", "table", "inet", table)
	if err != nil {
		if strings.Contains(out, "No such file or directory") {
			return l
		}
		n.tb.Fatalf("nft -j list table inet %s: %v: %s", table, err, out)
	}
	l.exists = true
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		n.tb.Fatalf("nft -j: %v\n%s", err, out)
	}
	for _, obj := range doc.Nftables {
		if raw, ok := obj["table"]; ok {
			var t struct {
				Flags []string `json:"flags"`
			}
			json.Unmarshal(raw, &t)
			l.flags = t.Flags
		}
		if raw, ok := obj["set"]; ok {
			var s struct {
				Name  string            `json:"name"`
				Flags []string          `json:"flags"`
				Elem  []json.RawMessage `json:"elem"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				n.tb.Fatalf("set: %v\n%s", err, raw)
			}
			l.setFlags[s.Name] = s.Flags
			els := map[string]int{}
			for _, e := range s.Elem {
				v, left := parseElem(n.tb, e)
				els[v] = left
			}
			l.sets[s.Name] = els
		}
		if raw, ok := obj["chain"]; ok {
			var c struct {
				Name string `json:"name"`
				nftChain
			}
			json.Unmarshal(raw, &c)
			l.chains[c.Name] = c.nftChain
		}
	}
	for name := range l.chains {
		text := n.nft("list", "chain", "inet", table, name)
		for _, line := range strings.Split(text, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "table ") || strings.HasPrefix(line, "chain ") ||
				strings.HasPrefix(line, "type ") || line == "}" {
				continue
			}
			l.rules[name] = append(l.rules[name], line)
		}
	}
	return l
}

// parseElem reads one element of nft -j: a value, or {"elem": {"val": value,
// "timeout": s, "expires": s}}, where a value is an address, {"prefix":
// {"addr", "len"}} or {"range": [lo, hi]}.
func parseElem(tb testing.TB, raw json.RawMessage) (string, int) {
	var wrapped struct {
		Elem *struct {
			Val     json.RawMessage `json:"val"`
			Expires int             `json:"expires"`
		} `json:"elem"`
	}
	if json.Unmarshal(raw, &wrapped) == nil && wrapped.Elem != nil {
		return parseVal(tb, wrapped.Elem.Val), wrapped.Elem.Expires
	}
	return parseVal(tb, raw), -1
}

func parseVal(tb testing.TB, raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var v struct {
		Prefix *struct {
			Addr string `json:"addr"`
			Len  int    `json:"len"`
		} `json:"prefix"`
		Range []string `json:"range"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatalf("element %s: %v", raw, err)
	}
	switch {
	case v.Prefix != nil:
		return fmt.Sprintf("%s/%d", v.Prefix.Addr, v.Prefix.Len)
	case len(v.Range) == 2:
		return v.Range[0] + "-" + v.Range[1]
	}
	tb.Fatalf("element %s: unknown shape", raw)
	return ""
}

var ruleRE = map[string]*regexp.Regexp{
	SetIPv4: regexp.MustCompile(`^ip saddr @bad_ipv4 counter packets \d+ bytes \d+ drop$`),
	SetIPv6: regexp.MustCompile(`^ip6 saddr @bad_ipv6 counter packets \d+ bytes \d+ drop$`),
}
