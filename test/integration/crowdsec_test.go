package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrowdSecBouncer runs Debian's crowdsec-firewall-bouncer (nftables
// mode) against the real daemon, in the daemon's network namespace: a
// probe's source is in the bouncer's set within its update frequency (1 s)
// plus 0.5 s, and an unblock takes it out as fast.
func TestCrowdSecBouncer(t *testing.T) {
	requireFull(t, "the CrowdSec bouncer API")
	bin := requirePeer(t, "crowdsec-firewall-bouncer")
	requirePeer(t, "nft")
	l := newLab(t, 2)
	dir := t.TempDir()
	l.start(0, dir, "--no-share")

	out, err := exec.Command(binary, "bouncers", "add", "fw", "--data-dir", dir, "--json").Output()
	if err != nil {
		t.Fatalf("sentrypeer bouncers add: %v", err)
	}
	var added struct{ Key string }
	if json.Unmarshal(out, &added) != nil || !strings.HasPrefix(added.Key, "spb_") {
		t.Fatalf("bouncers add printed %q", out)
	}
	work := t.TempDir()
	for _, d := range []string{"run", "logs"} {
		os.MkdirAll(filepath.Join(work, d), 0o755)
	}
	tmpl, err := os.ReadFile("../../internal/block/crowdsec/testdata/bouncer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("WORKDIR", work, "http://127.0.0.1:8080/", "http://127.0.0.1:8082/",
		"csb-test-key-0123456789abcdef", added.Key).Replace(string(tmpl))
	path := filepath.Join(work, "bouncer.yaml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startPeer(t, "bouncer", l.cmd(0, bin, "-c", path))
	inSet := func(addr string) bool {
		out, err := l.cmd(0, "nft", "-j", "list", "set", "ip", "crowdsec", "crowdsec-blacklists").Output()
		return err == nil && strings.Contains(string(out), `"`+addr+`"`)
	}
	waitUntil(t, "the bouncer's first pull", 10*time.Second, func() bool {
		_, body := l.get(0, "/api/v1/blocking")
		return strings.Contains(body, `"crowdsec bouncer fw","in_sync":true`)
	})

	evil := l.addr(1)
	newAttacker(t, l, 1, evil, l.addr(0)+":5060").probe()
	took := waitUntil(t, "the probe's source in the bouncer's set", 3*time.Second, func() bool { return inSet(evil) })
	t.Logf("%s was in the bouncer's set %v after its probe", evil, took.Round(time.Millisecond))
	if took > 1500*time.Millisecond {
		t.Errorf("the bouncer held %s after %v, want within its 1 s update frequency + 0.5 s", evil, took)
	}
	if out, err := l.cmd(0, binary, "unblock", "--data-dir", dir, evil).CombinedOutput(); err != nil {
		t.Fatalf("sentrypeer unblock: %v\n%s", err, out)
	}
	took = waitUntil(t, "the unblocked source to leave the bouncer's set", 3*time.Second, func() bool { return !inSet(evil) })
	t.Logf("unblocked %s left the bouncer's set after %v", evil, took.Round(time.Millisecond))
	if took > 1500*time.Millisecond {
		t.Errorf("the unblock took %v to reach the bouncer, want within 1.5 s", took)
	}
}
