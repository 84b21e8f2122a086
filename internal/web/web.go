package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// static holds the dashboard; it is read-only, so sharing it is safe.
//
//go:embed static
var static embed.FS

// contentType gives the media types of the extensions used under static/.
// A fixed table, rather than mime.TypeByExtension, keeps the answer
// independent of the host's mime.types files.
func contentType(ext string) string {
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return ""
}

// csp allows only same-origin scripts, styles and fetches, so that an
// attacker-controlled string that slipped into markup could still not run or
// load anything.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

type file struct {
	name  string
	body  []byte
	ctype string
	etag  string
}

// handler serves a fixed table of files; it is immutable after Handler
// returns and so safe for concurrent use.
type handler struct {
	files map[string]file // by URL path
}

// Handler returns the dashboard's handler. It serves index.html at "/" and
// the files of static/assets at "/assets/NAME"; any other path is 404, and
// methods other than GET and HEAD get 405. Responses carry a strong ETag and
// "Cache-Control: no-cache" (the names are not versioned, so browsers must
// revalidate, which costs a 304), plus nosniff and a strict
// Content-Security-Policy.
//
// The files need no API key; mount the handler outside the API's key check,
// at "/" (exactly) and "/assets/". The handler is safe for concurrent use.
func Handler() http.Handler {
	h := &handler{files: make(map[string]file)}
	add := func(urlPath, name string) {
		body, err := static.ReadFile(name)
		if err != nil {
			// The names come from the embedded tree itself.
			panic("web: reading embedded " + name + ": " + err.Error())
		}
		sum := sha256.Sum256(body)
		h.files[urlPath] = file{
			name:  path.Base(name),
			body:  body,
			ctype: contentType(path.Ext(name)),
			etag:  `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
	}
	add("/", "static/index.html")
	assets, err := fs.ReadDir(static, "static/assets")
	if err != nil {
		panic("web: listing embedded assets: " + err.Error())
	}
	for _, e := range assets {
		if e.Type().IsRegular() && contentType(path.Ext(e.Name())) != "" {
			add("/assets/"+e.Name(), "static/assets/"+e.Name())
		}
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	f, ok := h.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", f.etag)
	hdr.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(f.ctype, "text/html") {
		hdr.Set("Content-Security-Policy", csp)
		hdr.Set("X-Frame-Options", "DENY")
	}
	// ServeContent answers If-None-Match with 304, HEAD without a body, and
	// ranges; the zero time leaves Last-Modified out.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
