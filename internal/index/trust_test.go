package index

import (
	"net/netip"
	"testing"
	"time"
)

func TestSetTrusted(t *testing.T) {
	static, client := [32]byte{1}, [32]byte{2}
	x := New(Config{Trusted: [][32]byte{static}})
	now := time.Now()
	ip := netip.MustParseAddr("198.51.100.9")
	x.AddReports(Report{SourceIP: ip, First: now, Last: now, Count: 1, Reporter: client})
	enforced := func() bool { s, _ := x.SummaryIP(ip); return s.Enforce }
	if enforced() {
		t.Fatal("one untrusted reporter enforces")
	}
	x.SetTrusted([][32]byte{client})
	if !enforced() {
		t.Error("a reporter made trusted does not enforce")
	}
	x.SetTrusted(nil)
	if enforced() {
		t.Error("a reporter no longer trusted still enforces")
	}
	if !x.reporters.trusted[x.reporters.ids[static]] {
		t.Error("SetTrusted dropped Config.Trusted")
	}
}
