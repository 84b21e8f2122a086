package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/sentrypeer/sentrypeer/internal/cli"
)

// ExampleRun checks an address against an API that knows it, the way
// cmd/sentrypeer dispatches "sentrypeer check 203.0.113.7".
func ExampleRun() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ip":"203.0.113.7","bad":true,"first_seen":"2026-11-20T10:00:00.5Z","last_seen":"2026-11-27T00:12:03.123456789Z","count":5,"sources":["local"],"reporters":1,"enforce":true}`)
	}))
	defer api.Close()

	env := func(key string) (string, bool) {
		if key == "SENTRYPEER_API_LISTEN" {
			return api.Listener.Addr().String(), true
		}
		return "", false
	}
	args := []string{"check", "203.0.113.7"}
	if cli.IsCommand(args[0]) {
		code := cli.Run(context.Background(), args[0], args[1:], env, os.Stdout, os.Stderr)
		fmt.Println("exit status", code)
	}
	// Output:
	// IP          203.0.113.7
	// BAD         yes
	// COUNT       5
	// FIRST SEEN  2026-11-20T10:00:00Z
	// LAST SEEN   2026-11-27T00:12:03Z
	// SOURCES     local
	// REPORTERS   1
	// ENFORCE     yes
	// exit status 0
}
