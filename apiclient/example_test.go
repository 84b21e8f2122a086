package apiclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"time"

	"github.com/sentrypeer/sentrypeer/apiclient"
)

// exampleAPI stands in for a running sentrypeer: a few routes with the
// shapes the daemon serves.
func exampleAPI() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/check/ip/{ip}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("ip") == "203.0.113.7" {
			fmt.Fprint(w, `{"ip":"203.0.113.7","bad":true,"first_seen":"2026-11-20T10:00:00Z","last_seen":"2026-11-27T00:12:03Z","count":5,"sources":["local"],"reporters":1,"enforce":true}`)
			return
		}
		fmt.Fprintf(w, `{"ip":%q,"bad":false}`, r.PathValue("ip"))
	})
	mux.HandleFunc("GET /api/v1/events", func(w http.ResponseWriter, r *http.Request) {
		// Three events, two a page; the cursor is where the next page starts.
		from, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		events := []string{
			`{"id":"e3","time":"2026-11-27T00:12:03Z","source_ip":"203.0.113.7","method":"INVITE","called_number":"0044123"}`,
			`{"id":"e2","time":"2026-11-27T00:11:00Z","source_ip":"198.51.100.9","method":"OPTIONS"}`,
			`{"id":"e1","time":"2026-11-27T00:10:00Z","source_ip":"2001:db8::1","method":"REGISTER"}`,
		}
		if from == 0 {
			fmt.Fprintf(w, `{"events":[%s,%s],"next_cursor":"2"}`, events[0], events[1])
			return
		}
		fmt.Fprintf(w, `{"events":[%s]}`, events[2])
	})
	mux.HandleFunc("GET /api/v1/events/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": connected\n\n")
		fmt.Fprint(w, "event: probe\nid: e4\ndata: {\"id\":\"e4\",\"source_ip\":\"192.0.2.44\",\"method\":\"OPTIONS\"}\n\n")
		fmt.Fprint(w, ": keep-alive\n\n")
		fmt.Fprint(w, "event: probe\nid: e5\ndata: {\"id\":\"e5\",\"source_ip\":\"192.0.2.45\",\"method\":\"INVITE\"}\n\n")
	})
	mux.HandleFunc("POST /api/v1/decisions", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer admin-key" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"changing decisions needs the admin key (DATA-DIR/admin.key) or the API key"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"value":"8.8.8.0/24","kind":"range","origin":"manual","reporters":0,"since":"2026-11-27T00:00:00Z","until":"2026-11-27T02:00:00Z","reason":"scanner farm"}`)
	})
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"tok-1","token_type":"Bearer","expires_in":86400}`)
	})
	mux.HandleFunc("GET /api/ip-addresses/{ip}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.PathValue("ip") != "203.0.113.7" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"IP Address not found."}`)
			return
		}
		fmt.Fprint(w, `{"message":"IP Address found.","ip_address":"203.0.113.7","decision":{"value":"203.0.113.0/24","kind":"range","origin":"manual"}}`)
	})
	return httptest.NewServer(mux)
}

// Check an address against a running sentrypeer.
func Example() {
	api := exampleAPI()
	defer api.Close()

	c, err := apiclient.New(apiclient.Config{BaseURL: api.URL})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for _, ip := range []string{"203.0.113.7", "192.0.2.1"} {
		ch, err := c.CheckIP(context.Background(), netip.MustParseAddr(ip))
		if err != nil {
			log.Fatal(err)
		}
		if ch.Bad {
			fmt.Printf("%s: bad, seen %d times, last at %s\n", ch.IP, ch.Count, ch.LastSeen.Format(time.RFC3339))
		} else {
			fmt.Printf("%s: not seen\n", ch.IP)
		}
	}
	// Output:
	// 203.0.113.7: bad, seen 5 times, last at 2026-11-27T00:12:03Z
	// 192.0.2.1: not seen
}

// Iterate over every event, page after page, following the server's cursor.
func ExampleClient_AllEvents() {
	api := exampleAPI()
	defer api.Close()
	c, _ := apiclient.New(apiclient.Config{BaseURL: api.URL})

	for e, err := range c.AllEvents(context.Background(), apiclient.EventQuery{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.ID, e.Time.Format(time.TimeOnly), e.SourceIP, e.Method)
	}
	// Output:
	// e3 00:12:03 203.0.113.7 INVITE
	// e2 00:11:00 198.51.100.9 OPTIONS
	// e1 00:10:00 2001:db8::1 REGISTER
}

// Follow new probes as they arrive, until the server ends the stream (or
// the context ends).
func ExampleClient_Stream() {
	api := exampleAPI()
	defer api.Close()
	c, _ := apiclient.New(apiclient.Config{BaseURL: api.URL})

	s, err := c.Stream(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for {
		e, err := s.Next()
		if err == io.EOF {
			fmt.Println("stream closed")
			return
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.ID, e.SourceIP, e.Method)
	}
	// Output:
	// e4 192.0.2.44 OPTIONS
	// e5 192.0.2.45 INVITE
	// stream closed
}

// Block a network with the admin key; without it, the API says why not.
func ExampleClient_Block() {
	api := exampleAPI()
	defer api.Close()

	noKey, _ := apiclient.New(apiclient.Config{BaseURL: api.URL})
	_, err := noKey.Block(context.Background(), apiclient.Block{Value: "8.8.8.0/24"})
	fmt.Println(apiclient.IsUnauthorized(err))
	if ae, ok := errors.AsType[*apiclient.APIError](err); ok {
		fmt.Println(ae.StatusCode, ae.Message)
	}

	admin, _ := apiclient.New(apiclient.Config{BaseURL: api.URL, APIKey: "admin-key"})
	d, err := admin.Block(context.Background(), apiclient.Block{Value: "8.8.8.0/24", For: 2 * time.Hour, Reason: "scanner farm"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("blocked %s (%s) until %s\n", d.Value, d.Kind, d.Until.Format(time.RFC3339))
	// Output:
	// true
	// 401 changing decisions needs the admin key (DATA-DIR/admin.key) or the API key
	// blocked 8.8.8.0/24 (range) until 2026-11-27T02:00:00Z
}

// Look addresses up the SentryPeerHQ way, with a token from client
// credentials: a 2xx reply is a decision (blocked), a 404 a clean value.
func ExampleClient_HQIPAddress() {
	api := exampleAPI()
	defer api.Close()
	c, _ := apiclient.New(apiclient.Config{BaseURL: api.URL, ClientID: "my-id", ClientSecret: "my-secret", Audience: "https://sentrypeer.com/api"})

	for _, ip := range []string{"203.0.113.7", "192.0.2.1"} {
		l, err := c.HQIPAddress(context.Background(), netip.MustParseAddr(ip))
		if err != nil {
			log.Fatal(err)
		}
		if l.Found {
			fmt.Println(ip, "found:", l.Decision.Value, l.Decision.Origin)
		} else {
			fmt.Println(ip, "not found:", l.Message)
		}
	}
	// Output:
	// 203.0.113.7 found: 203.0.113.0/24 manual
	// 192.0.2.1 not found: IP Address not found.
}
