package crowdsec

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrypeer/sentrypeer/internal/decision"
)

// env is a handler over a fake set and a settable clock, with bouncers
// registered in a key file of its own.
type env struct {
	t    testing.TB
	set  *fakeSet
	clk  *clock
	h    *Handler
	file string
	keys map[string]string // bouncer name -> key
}

func newEnv(t testing.TB, names ...string) *env {
	t.Helper()
	e := &env{t: t, set: newFakeSet(), clk: newClock(), file: filepath.Join(t.TempDir(), KeysFile), keys: map[string]string{}}
	for _, n := range names {
		e.addBouncer(n)
	}
	h, err := New(Config{Decisions: e.set, KeysFile: e.file, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

func (e *env) addBouncer(name string) string {
	e.t.Helper()
	key, _, err := AddBouncer(e.file, name, e.clk.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	e.keys[name] = key
	return key
}

// do sends method path with key (none when "") and returns the answer.
func (e *env) do(method, path, key string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, path, nil)
	if key != "" {
		r.Header.Set("X-Api-Key", key)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// pull is one stream pull of bouncer name.
func (e *env) pull(name, query string) streamReply {
	e.t.Helper()
	w := e.do("GET", "/v1/decisions/stream?"+query, e.keys[name])
	if w.Code != http.StatusOK {
		e.t.Fatalf("pull %s: %d %s", query, w.Code, w.Body)
	}
	var rep streamReply
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		e.t.Fatalf("pull %s: %v: %s", query, err, w.Body)
	}
	if rep.New == nil || rep.Deleted == nil {
		e.t.Fatalf("pull %s: new and deleted must be arrays: %s", query, w.Body)
	}
	return rep
}

func values(ds []wireDecision) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Value)
	}
	slices.Sort(out)
	return out
}

func TestAuth(t *testing.T) {
	e := newEnv(t, "fw")
	for _, tt := range []struct {
		name, method, path string
		header, value      string
		code               int
		body               string
	}{
		{"no key", "GET", "/v1/decisions/stream?startup=true", "", "", 403, `{"message":"access forbidden"}`},
		{"wrong key", "GET", "/v1/decisions/stream", "X-Api-Key", "spb_nope", 403, `{"message":"access forbidden"}`},
		{"the key's hash is not the key", "GET", "/v1/decisions", "X-Api-Key", hashKey(e.keys["fw"]), 403, `{"message":"access forbidden"}`},
		{"bearer is not LAPI's header", "GET", "/v1/decisions", "Authorization", "Bearer " + e.keys["fw"], 403, `{"message":"access forbidden"}`},
		{"live without key", "GET", "/v1/decisions?ip=192.0.2.1", "", "", 403, `{"message":"access forbidden"}`},
		{"stream with key", "GET", "/v1/decisions/stream?startup=true", "X-Api-Key", e.keys["fw"], 200, `{"new":[],"deleted":[]}`},
		{"live with key", "GET", "/v1/decisions?ip=192.0.2.1", "X-Api-Key", e.keys["fw"], 200, `null`},
		{"HEAD stream", "HEAD", "/v1/decisions/stream", "X-Api-Key", e.keys["fw"], 200, ``},
		{"POST", "POST", "/v1/decisions", "X-Api-Key", e.keys["fw"], 405, `{"message":"method not allowed"}`},
		{"other path", "GET", "/v1/watchers/login", "X-Api-Key", e.keys["fw"], 404, `{"message":"not found"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.header != "" {
				r.Header.Set(tt.header, tt.value)
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code != tt.code || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Errorf("%d %q, want %d %q", w.Code, w.Body, tt.code, tt.body)
			}
			if ct := w.Header().Get("Content-Type"); tt.body != "" && !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestKeysTakeEffectWithoutRestart(t *testing.T) {
	e := newEnv(t, "fw")
	old := e.keys["fw"]
	late := e.addBouncer("late") // after New, under a second ago
	if w := e.do("GET", "/v1/decisions", late); w.Code != 200 {
		t.Fatalf("a key added a moment ago: %d, want 200 at once (an unknown key makes the file be looked at)", w.Code)
	}
	e.pull("fw", "startup=true")
	if err := DeleteBouncer(e.file, "fw"); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(keysCheck)
	if w := e.do("GET", "/v1/decisions/stream", old); w.Code != 403 {
		t.Fatalf("deleted key: %d, want 403", w.Code)
	}
	if st := e.h.Bouncers(); len(st) != 1 || st[0].Name != "late" {
		t.Errorf("Bouncers() = %+v, want late only", st)
	}

	// A broken file keeps the keys read before.
	if err := os.WriteFile(e.file, []byte(`{"bouncers": [{"name": "x", "unknown": 1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(keysCheck)
	if w := e.do("GET", "/v1/decisions", late); w.Code != 200 {
		t.Errorf("broken key file: %d, want the old keys kept", w.Code)
	}
	// A missing one holds none.
	os.Remove(e.file)
	e.clk.advance(keysCheck)
	if w := e.do("GET", "/v1/decisions", late); w.Code != 403 {
		t.Errorf("key file removed: %d, want 403", w.Code)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{KeysFile: "x"}); err != ErrConfig {
		t.Errorf("no Decisions: %v", err)
	}
	bad := filepath.Join(t.TempDir(), KeysFile)
	os.WriteFile(bad, []byte("{"), 0o600)
	if _, err := New(Config{Decisions: newFakeSet(), KeysFile: bad}); err == nil {
		t.Error("a broken key file at start: no error")
	}
}

func TestBouncersStatus(t *testing.T) {
	e := newEnv(t, "b", "a")
	e.set.put(t, "192.0.2.1", decision.Local, e.clk.Now().Add(time.Hour))
	r := httptest.NewRequest("GET", "/v1/decisions/stream?startup=true", nil)
	r.Header.Set("X-Api-Key", e.keys["b"])
	r.Header.Set("User-Agent", "crowdsec-firewall-bouncer/v0.0.25")
	e.h.ServeHTTP(httptest.NewRecorder(), r)
	st := e.h.Bouncers()
	if len(st) != 2 || st[0].Name != "a" || st[1].Name != "b" {
		t.Fatalf("Bouncers() = %+v", st)
	}
	if !st[0].LastPull.IsZero() || !st[1].LastPull.Equal(e.clk.Now()) || st[1].UserAgent != "crowdsec-firewall-bouncer/v0.0.25" || st[1].Holds != 1 {
		t.Errorf("Bouncers() = %+v", st)
	}
}
