package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// streamServer serves /api/v1/events/stream, written by body after the
// headers.
func streamServer(t *testing.T, cfg Config, body func(w http.ResponseWriter, r *http.Request)) *Client {
	var rec recorder
	return rec.serveConfig(t, cfg, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/events/stream" || r.Header.Get("Accept") != "text/event-stream" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		fmt.Fprint(w, ": connected\n\n")
		w.(http.Flusher).Flush()
		body(w, r)
	})
}

func probe(w http.ResponseWriter, id string) {
	fmt.Fprintf(w, "event: probe\nid: %s\ndata: {\"id\":%q,\"source_ip\":\"192.0.2.1\",\"method\":\"OPTIONS\"}\n\n", id, id)
	w.(http.Flusher).Flush()
}

func TestStream(t *testing.T) {
	c := streamServer(t, Config{}, func(w http.ResponseWriter, r *http.Request) {
		probe(w, "e1")
		fmt.Fprint(w, ": keep-alive\n\nevent: dropped\ndata: {\"dropped\":7}\n\n")
		fmt.Fprint(w, "event: probe\nid: e2\ndata: {\"method\":\ndata: \"INVITE\"}\n\n") // no id in the data
		fmt.Fprint(w, "event: other\ndata: {}\n\n")
	})
	s, err := c.Stream(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []string
	for {
		e, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID+" "+e.Method)
	}
	if want := []string{"e1 OPTIONS", "e2 INVITE"}; !slices.Equal(ids, want) {
		t.Errorf("events %q, want %q", ids, want)
	}
	if s.Dropped() != 7 {
		t.Errorf("Dropped %d, want 7", s.Dropped())
	}
}

func TestStreamEnds(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		body   func(w http.ResponseWriter, r *http.Request)
		cancel bool // cancel the context after the first event
		want   func(error) bool
		text   string
	}{
		{name: "cut mid-event", body: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "event: probe\nid: e3\ndata: {\"id\":")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, want: func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }, text: "/api/v1/events/stream: event stream cut: unexpected EOF"},
		{name: "silent", cfg: Config{StreamIdle: 100 * time.Millisecond}, body: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, want: func(err error) bool { return errors.Is(err, ErrStreamIdle) }, text: "/api/v1/events/stream: no data on the event stream for 100ms"},
		{name: "cancelled", cancel: true, body: func(w http.ResponseWriter, r *http.Request) {
			probe(w, "e1")
			<-r.Context().Done()
		}, want: func(err error) bool { return errors.Is(err, context.Canceled) }, text: "context canceled"},
		{name: "bad event", body: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "event: probe\nid: e9\ndata: {nope\n\n")
		}, want: func(err error) bool { return err != nil }, text: "decoding event e9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := streamServer(t, tt.cfg, tt.body)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s, err := c.Stream(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			start := time.Now()
			for {
				_, err = s.Next()
				if err != nil {
					break
				}
				if tt.cancel {
					cancel()
				}
			}
			if !tt.want(err) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err %v, want %q", err, tt.text)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestStreamCloseEndsNext(t *testing.T) {
	c := streamServer(t, Config{}, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s, err := c.Stream(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, func() { s.Close() })
	if _, err := s.Next(); err == nil {
		t.Error("Next after Close returned an event")
	}
}
