package httpapi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCheckIP is one check through the whole handler chain (key,
// routing, timeout, JSON), without the network.
func BenchmarkCheckIP(b *testing.B) {
	f := newFixture(&testing.T{}, Config{Key: "0123456789abcdef", Dashboard: http.NotFoundHandler()})
	r := httptest.NewRequest("GET", "/api/v1/check/ip/198.51.100.1", nil)
	r.Header.Set("X-Api-Key", "0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkCheckIPServer is a check over a loopback keep-alive connection
// to the real server, as wrk sends them.
func BenchmarkCheckIPServer(b *testing.B) {
	f := newFixture(&testing.T{}, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := Server(f.h)
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET /api/v1/check/ip/198.51.100.1 HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	b.ReportAllocs()
	for b.Loop() {
		c.Write(req)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
