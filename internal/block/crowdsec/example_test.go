package crowdsec_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/block/crowdsec"
	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// ExampleHandler mounts the handler the way the daemon does, registers a
// bouncer as `sentrypeer bouncers add` does, and pulls as a bouncer would.
func ExampleHandler() {
	dir, _ := os.MkdirTemp("", "sentrypeer")
	defer os.RemoveAll(dir)
	keys := filepath.Join(dir, crowdsec.KeysFile)
	key, _, err := crowdsec.AddBouncer(keys, "firewall", time.Now())
	if err != nil {
		panic(err)
	}

	now := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	engine := decision.New(decision.Config{Now: now})
	if _, err := engine.Block("192.0.2.55", time.Hour, ""); err != nil {
		panic(err)
	}
	if _, err := engine.Block("0044123456", time.Hour, ""); err != nil { // never sent to bouncers
		panic(err)
	}
	cs, err := crowdsec.New(crowdsec.Config{Decisions: engine, KeysFile: keys, Now: now})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", cs) // outside the API's own key check
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, q := range []string{"?startup=true", "?startup=false"} {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/decisions/stream"+q, nil)
		req.Header.Set("X-Api-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var rep struct {
			New, Deleted []struct{ Value, Scope, Origin, Duration, Scenario string }
		}
		err = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if err != nil {
			panic(err)
		}
		fmt.Println(q, resp.StatusCode, "new:", len(rep.New), "deleted:", len(rep.Deleted))
		for _, d := range rep.New {
			fmt.Println(" ", d.Scope, d.Value, d.Origin, d.Duration, d.Scenario)
		}
	}
	resp, _ := http.Get(srv.URL + "/v1/decisions?ip=192.0.2.55") // no key
	fmt.Println(resp.StatusCode)
	resp.Body.Close()
	// Output:
	// ?startup=true 200 new: 1 deleted: 0
	//   Ip 192.0.2.55 manual 1h0m0s sentrypeer/sip-probe-manual
	// ?startup=false 200 new: 0 deleted: 0
	// 403
}
