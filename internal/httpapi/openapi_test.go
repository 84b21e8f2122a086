//go:build !lite

package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sentrypeer/sentrypeer/internal/apidoc"
	"github.com/sentrypeer/sentrypeer/internal/apidoc/apidoctest"
	"github.com/sentrypeer/sentrypeer/internal/block"
	"github.com/sentrypeer/sentrypeer/internal/block/bgp"
	"github.com/sentrypeer/sentrypeer/internal/decision"
	"github.com/sentrypeer/sentrypeer/internal/event"
	"github.com/sentrypeer/sentrypeer/internal/index"
	"github.com/sentrypeer/sentrypeer/internal/p2p"
	"github.com/sentrypeer/sentrypeer/internal/store"
)

// TestOpenAPI checks real answers, good and bad, against the document the
// API serves, and that every documented operation was exercised.
func TestOpenAPI(t *testing.T) {
	v := apidoctest.New(t)
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		io.WriteString(w, "sentrypeer_up 1\n")
	})
	f := newFixture(t, Config{OpenAPI: apidoc.JSON(), Metrics: metrics, Reports: &fakeReports{}})
	e := testEvent(5, "198.51.100.9", "100", "OPTIONS", "ua")
	e.ParseError = "no Via"
	cur, _ := store.ParseCursor("AgQG")
	f.events.page = store.Page{Events: []event.Event{*e}, Next: cur}
	empty := New(Config{Index: index.New(index.Config{}), Events: &fakeEvents{}, OpenAPI: apidoc.JSON()})

	srv := httptest.NewServer(f.h)
	defer srv.Close()
	emptySrv := httptest.NewServer(empty)
	defer emptySrv.Close()

	ch := event.NewQueue(1)
	go f.hub.Run(t.Context(), ch)

	do := func(base, method, target string, header ...string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+target, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		v.Check(t, req, resp, body)
	}
	for _, target := range []string{
		"/health-check", "/metrics", "/api/v1/openapi.json",
		"/ip-addresses", "/ip-addresses/198.51.100.1", "/ip-addresses/198.51.100.77",
		"/numbers", "/numbers/00442079460000", "/numbers/1",
		"/api/v1/events", "/api/v1/events?raw=true&ip=198.51.100.0/24&number_prefix=44&transport=udp&method=options&user_agent=u&since=2026-11-27T00:00:00Z&until=2026-11-28T00:00:00Z&limit=1000&cursor=AgQG",
		"/api/v1/events?limit=0", "/api/v1/events?ip=nope", "/api/v1/events?bogus=1",
		"/api/v1/ip-addresses", "/api/v1/ip-addresses?sort=count&order=asc&limit=1&offset=1", "/api/v1/ip-addresses?sort=number",
		"/api/v1/numbers?sort=number&limit=1",
		"/api/v1/check/ip/198.51.100.1", "/api/v1/check/ip/203.0.113.1", "/api/v1/check/ip/2001:db8::7", "/api/v1/check/ip/nope",
		"/api/v1/check/number/00442079460000", "/api/v1/check/number/5", "/api/v1/check/number/%20-",
		"/api/v1/stats", "/api/v1/stats?top=100", "/api/v1/stats?top=101",
		"/api/v1/export", "/api/v1/export?format=csv&kind=all", "/api/v1/export?format=json&kind=numbers&min_count=2",
		"/api/v1/export?format=nft", "/api/v1/export?format=ipset", "/api/v1/export?format=nft&kind=all",
		"/api/v1/peers", "/api/v1/peers?x=1",
		"/api/v1/reports/ip/203.0.113.7", "/api/v1/reports/ip/198.51.100.1?limit=5", "/api/v1/reports/ip/nope", "/api/v1/reports/ip/203.0.113.7?limit=0",
	} {
		do(srv.URL, "GET", target)
	}
	do(srv.URL, "GET", "/health-check", "Accept", "application/json")
	do(srv.URL, "HEAD", "/api/v1/stats")
	do(srv.URL, "POST", "/api/v1/events")
	do(srv.URL, "DELETE", "/numbers/100")
	for _, target := range []string{"/ip-addresses", "/numbers", "/api/v1/stats", "/api/v1/ip-addresses", "/api/v1/export?format=json&kind=all"} {
		do(emptySrv.URL, "GET", target)
	}
	keyed := httptest.NewServer(New(Config{Key: "k", Index: f.idx, OpenAPI: apidoc.JSON()}))
	defer keyed.Close()
	do(keyed.URL, "GET", "/api/v1/stats")
	sharing := httptest.NewServer(New(Config{Peers: fakePeers{}, OpenAPI: apidoc.JSON()}))
	defer sharing.Close()
	do(sharing.URL, "GET", "/api/v1/peers")

	// Decisions: reads need nothing on loopback, writes the admin key.
	eng := decision.New(decision.Config{})
	eng.Observe(decision.Evidence{IP: netip.MustParseAddr("8.8.8.8"), Number: "0046701", Origin: decision.Local, Reporters: 1, At: time.Now()})
	decSrv := httptest.NewServer(New(Config{Decisions: eng, DecisionStats: eng, Blockers: fakeBlockers{}, BGP: fakeBGP{},
		AdminKey: "admin-key-0123456789", OpenAPI: apidoc.JSON()}))
	defer decSrv.Close()
	send := func(method, target, body string, header ...string) {
		t.Helper()
		req, _ := http.NewRequest(method, decSrv.URL+target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		v.Check(t, req, resp, b)
	}
	admin := []string{"Authorization", "Bearer admin-key-0123456789"}
	for _, target := range []string{"/api/v1/decisions", "/api/v1/decisions?kind=ip&origin=local&contains=8.&limit=1",
		"/api/v1/decisions?limit=1&cursor=0046701", "/api/v1/decisions?kind=x", "/api/v1/decisions?nope=1",
		"/api/v1/blocking", "/api/v1/blocking?x=1", "/api/v1/bgp", "/api/v1/bgp?x=1"} {
		do(decSrv.URL, "GET", target)
	}
	send("POST", "/api/v1/decisions", `{"value": "1.2.3.0/24", "for": "1h", "reason": "farm"}`, admin...)
	send("POST", "/api/v1/decisions", `{"value": "1.2.3.0/24"}`)
	send("POST", "/api/v1/decisions", `{"value": "127.0.0.1"}`, admin...)
	send("POST", "/api/v1/decisions", `{"value": "x"}`, admin...)
	send("POST", "/api/v1/decisions", `{"value": "1.2.3.4", "for": "soon"}`, admin...)
	send("PUT", "/api/v1/decisions", ``, admin...)
	send("POST", "/api/v1/decisions", `{"value": "9.9.9.9"}`, admin...)
	send("DELETE", "/api/v1/decisions/9.9.9.9", ``, admin...)
	// A network's slash cannot be a path parameter of the document; the
	// route takes it escaped or not.
	for _, target := range []string{"/api/v1/decisions/1.2.3.0%2F24", "/api/v1/decisions/1.2.3.0/24"} {
		eng.Block("1.2.3.0/24", time.Hour, "")
		req, _ := http.NewRequest("DELETE", decSrv.URL+target, nil)
		req.Header.Set(admin[0], admin[1])
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Fatalf("DELETE %s: %v %v", target, resp, err)
		}
		if _, ok := eng.Get("1.2.3.0/24"); ok {
			t.Errorf("DELETE %s did not unblock the network", target)
		}
	}
	send("DELETE", "/api/v1/decisions/8.8.8.8", ``)
	send("DELETE", "/api/v1/decisions/bad value", ``, admin...)
	if _, ok := eng.Get("1.2.3.0/24"); ok {
		t.Error("DELETE did not unblock 1.2.3.0/24")
	}
	if _, ok := eng.Get("8.8.8.8"); !ok {
		t.Error("DELETE without the admin key unblocked 8.8.8.8")
	}

	// The SentryPeerHQ routes, with clients (hq_test.go has the fixture).
	hq := newHQ(t, "", 0, 0)
	hqDo := func(method, target, ct, body string, header ...string) {
		t.Helper()
		req, _ := http.NewRequest(method, hq.srv.URL+target, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		v.Check(t, req, resp, b)
	}
	rd := hq.creds["reader"]
	hqDo("POST", "/oauth/token", "application/json", `{"grant_type":"client_credentials","client_id":"`+rd[0]+`","client_secret":"`+rd[1]+`","audience":"https://sentrypeer.com/api"}`)
	hqDo("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id="+rd[0]+"&client_secret=x")
	hqDo("POST", "/oauth/token", "application/json", `{"grant_type":"password"}`)
	reader := []string{"Authorization", "Bearer " + hq.token("reader")}
	for _, target := range []string{"/api/ip-addresses", "/api/ip-addresses?limit=1", "/api/ip-addresses?limit=0", "/api/phone-numbers?cursor=0",
		"/api/ip-addresses/8.8.8.8", "/api/ip-addresses/192.0.2.1", "/api/ip-addresses/x", "/api/phone-numbers/0046701", "/api/phone-numbers/1"} {
		hqDo("GET", target, "", "", reader...)
	}
	hqDo("GET", "/api/ip-addresses/8.8.8.8", "", "")
	hqDo("GET", "/api/ip-addresses/8.8.8.8", "", "", "Authorization", "Bearer "+hq.token("reporter"))
	reporter := []string{"Authorization", "Bearer " + hq.token("reporter")}
	hqDo("POST", "/api/events", "application/json", goodEvent, reporter...)
	hqDo("POST", "/api/events", "application/json", "["+goodEvent+"]", reporter...)
	hqDo("POST", "/api/events", "application/json", `{"event_uuid":"x"}`, reporter...)
	hqDo("POST", "/api/events", "application/json", goodEvent, reader...)

	// The stream: read two events, then let the hub stop.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ch.Put(e)
	time.Sleep(50 * time.Millisecond)
	ch.Close()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "event: probe") {
		t.Errorf("stream body %q", body)
	}
	v.Check(t, req, resp, body)

	if missing := slices.DeleteFunc(v.Paths(), func(p string) bool { return slices.Contains(v.Exercised(), p) }); len(missing) > 0 {
		t.Errorf("documented operations never answered 2xx here: %v", missing)
	}
}

type fakeBGP struct{}

func (fakeBGP) Status(context.Context) bgp.Status {
	return bgp.Status{ASN: 64512, RouterID: "127.0.0.2", Running: true, Announced: 2, Neighbors: []bgp.NeighborStatus{
		{Addr: netip.MustParseAddr("127.0.0.1"), Port: 1790, ASN: 64513, State: "established", Uptime: 9, Advertised: 2},
		{Addr: netip.MustParseAddr("127.0.0.3"), Port: 179, ASN: 64514, State: "active", LastDown: "HARD_RESET"},
	}}
}

type fakeBlockers struct{}

func (fakeBlockers) Status() []block.Status {
	return []block.Status{{Name: "nftables", InSync: true, Held: 2, Syncs: 3, LastSync: time.Now(), LastSyncTook: time.Millisecond},
		{Name: "other", Errors: 1, LastError: "netlink: operation not permitted", LastErrorAt: time.Now()}}
}

type fakePeers struct{}

func (fakePeers) ID() peer.ID { return peer.ID("\x00\x24\x08\x01\x12\x20" + strings.Repeat("k", 32)) }
func (fakePeers) Addrs() []multiaddr.Multiaddr {
	return []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/192.0.2.1/tcp/4001")}
}
func (fakePeers) Peers() []p2p.PeerInfo {
	return []p2p.PeerInfo{
		{ID: peer.ID("a"), Addrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/192.0.2.2/tcp/4001")}, Since: time.Now(), Received: 3, Score: 1.5, HasScore: true,
			History: p2p.HistoryReceived},
		{ID: peer.ID("b"), Since: time.Now(), Trusted: true, History: p2p.HistoryPending},
		{ID: peer.ID("c"), Since: time.Now(), History: p2p.HistoryRefused,
			HistoryRefusedReason: "this node has not shared a record yet", HistoryRefusedAt: time.Now()},
		{ID: peer.ID("d"), Since: time.Now(), History: p2p.HistoryNone},
	}
}
