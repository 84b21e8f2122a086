package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

// get runs one request through Handler.
func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stableIDs are the element ids promised to browser tests.
var stableIDs = []string{
	"total-events", "total-ips", "total-numbers", "feed", "search-input",
	"search-button", "search-result", "event-view", "chart", "status",
	"api-key-form", "api-key-input", "api-key-save", "event-raw",
}

func TestHandlerIndex(t *testing.T) {
	h := Handler()
	res := get(t, h, http.MethodGet, "/", nil)
	html := body(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	headers := []struct{ name, want string }{
		{"Content-Type", "text/html; charset=utf-8"},
		{"Cache-Control", "no-cache"},
		{"X-Content-Type-Options", "nosniff"},
		{"Content-Security-Policy", csp},
	}
	for _, tc := range headers {
		t.Run("header "+tc.name, func(t *testing.T) {
			if got := res.Header.Get(tc.name); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
	for _, id := range stableIDs {
		t.Run("id "+id, func(t *testing.T) {
			if n := strings.Count(html, `id="`+id+`"`); n != 1 {
				t.Errorf("id %q appears %d times in index.html, want once", id, n)
			}
		})
	}
}

var (
	// refRE finds the local files index.html loads.
	refRE = regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	// importRE finds the modules a module imports.
	importRE = regexp.MustCompile(`(?m)^import\s[^'"]*['"]\./([^'"]+)['"]`)
)

// references returns every URL path index.html and its modules load,
// following imports.
func references(t *testing.T) []string {
	t.Helper()
	index, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	seen := map[string]bool{}
	var add func(string)
	add = func(ref string) {
		if seen[ref] {
			return
		}
		seen[ref] = true
		refs = append(refs, ref)
		if path.Ext(ref) != ".js" {
			return
		}
		src, err := static.ReadFile("static" + ref)
		if err != nil {
			t.Errorf("%s is referenced but not embedded: %v", ref, err)
			return
		}
		for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
			add("/assets/" + m[1])
		}
	}
	for _, m := range refRE.FindAllStringSubmatch(string(index), -1) {
		switch {
		case strings.HasPrefix(m[1], "data:"):
		case strings.HasPrefix(m[1], "/assets/"):
			add(m[1])
		default:
			t.Errorf("index.html loads %q: want /assets/... or data:", m[1])
		}
	}
	return refs
}

func TestHandlerAssets(t *testing.T) {
	h := Handler()
	want := map[string]string{
		".css": "text/css; charset=utf-8",
		".js":  "text/javascript; charset=utf-8",
	}
	refs := references(t)
	if len(refs) < 2 {
		t.Fatalf("index.html references %v: want the style sheet and the script at least", refs)
	}
	for _, ref := range refs {
		t.Run(ref, func(t *testing.T) {
			res := get(t, h, http.MethodGet, ref, nil)
			b := body(t, res)
			if res.StatusCode != http.StatusOK || len(b) == 0 {
				t.Fatalf("GET %s = %d with %d bytes", ref, res.StatusCode, len(b))
			}
			if got := res.Header.Get("Content-Type"); got != want[path.Ext(ref)] {
				t.Errorf("Content-Type = %q, want %q", got, want[path.Ext(ref)])
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q", got)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			again := get(t, h, http.MethodGet, ref, map[string]string{"If-None-Match": etag})
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("GET with If-None-Match = %d, want 304", again.StatusCode)
			}
		})
	}
	t.Run("every asset is used", func(t *testing.T) {
		used := map[string]bool{}
		for _, r := range refs {
			used[r] = true
		}
		entries, err := fs.ReadDir(static, "static/assets")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !used["/assets/"+e.Name()] {
				t.Errorf("static/assets/%s is embedded but nothing loads it", e.Name())
			}
		}
	})
}

func TestHandlerStatus(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, method, target string
		want                 int
	}{
		{"index", http.MethodGet, "/", http.StatusOK},
		{"index head", http.MethodHead, "/", http.StatusOK},
		{"asset head", http.MethodHead, "/assets/app.js", http.StatusOK},
		{"index post", http.MethodPost, "/", http.StatusMethodNotAllowed},
		{"asset delete", http.MethodDelete, "/assets/app.css", http.StatusMethodNotAllowed},
		{"unknown page", http.MethodGet, "/nope", http.StatusNotFound},
		{"index by name", http.MethodGet, "/index.html", http.StatusNotFound},
		{"asset dir", http.MethodGet, "/assets/", http.StatusNotFound},
		{"unknown asset", http.MethodGet, "/assets/nope.js", http.StatusNotFound},
		{"asset with slash", http.MethodGet, "/assets/app.js/", http.StatusNotFound},
		{"asset upper case", http.MethodGet, "/ASSETS/app.js", http.StatusNotFound},
		{"embed dir name", http.MethodGet, "/static/index.html", http.StatusNotFound},
		{"dot dot", http.MethodGet, "/assets/../static/index.html", http.StatusNotFound},
		{"go source", http.MethodGet, "/web.go", http.StatusNotFound},
		{"unknown post", http.MethodPost, "/nope", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, h, tc.method, tc.target, nil)
			b := body(t, res)
			if res.StatusCode != tc.want {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.target, res.StatusCode, tc.want)
			}
			if tc.method == http.MethodHead && b != "" {
				t.Errorf("HEAD returned %d body bytes", len(b))
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
		})
	}
}

func TestEmbeddedFilesFetchNothingElsewhere(t *testing.T) {
	// An absolute URL would mean a fetch from another host (the page must
	// work offline) or a reference that the CSP blocks anyway; a
	// protocol-relative one in an attribute or url() means the same.
	bad := []*regexp.Regexp{
		regexp.MustCompile(`(?i)https?://[^\s"'<>)]*`),
		regexp.MustCompile(`(?i)(?:src|href|action)\s*=\s*["']?//[^\s"'<>]*`),
		regexp.MustCompile(`(?i)url\(\s*["']?//[^)]*`),
		regexp.MustCompile(`(?i)@import`),
	}
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		t.Run(name, func(t *testing.T) {
			src, err := static.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, re := range bad {
				for _, m := range re.FindAllString(string(src), -1) {
					t.Errorf("%s contains %q", name, m)
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
