// Command post makes manual decisions through a running SentryPeer's API
// as fast as the daemon takes them: one POST /api/v1/decisions per value
// (the API takes one value per request), the values read one a line from
// stdin, spread over -conns keep-alive connections. The BGP benchmark
// (bench/bgp/run.sh) runs it to make its 10,000 decisions at once.
//
// It reads every value before it sends the first request, then prints one
// line, "posted=N created=M took_us=T", where created counts the 201
// answers and T is the time from the first request to the last answer.
// Any other answer is printed on stderr and makes it exit with status 1.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	api := flag.String("api", "http://127.0.0.1:8082", "the daemon's API")
	keyFile := flag.String("key-file", "", "file holding the admin key (DATA-DIR/admin.key; required)")
	conns := flag.Int("conns", 4, "concurrent connections")
	reason := flag.String("reason", "bench", "reason of every decision")
	flag.Parse()
	if err := run(*api, *keyFile, *reason, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "post:", err)
		os.Exit(1)
	}
}

func run(api, keyFile, reason string, conns int) error {
	if keyFile == "" || conns < 1 {
		return errors.New("want -key-file and -conns of at least 1")
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("reading the admin key: %w", err)
	}
	auth := "Bearer " + strings.TrimSpace(string(key))
	var bodies [][]byte
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if v := strings.TrimSpace(sc.Text()); v != "" {
			b, _ := json.Marshal(map[string]string{"value": v, "reason": reason})
			bodies = append(bodies, b)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the values: %w", err)
	}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true},
	}
	url := strings.TrimSuffix(api, "/") + "/api/v1/decisions"
	var next, created atomic.Int64
	var mu sync.Mutex
	var errs []error
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(bodies)) {
					return
				}
				if err := post(client, url, auth, bodies[i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					continue
				}
				created.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	fmt.Printf("posted=%d created=%d took_us=%d\n", len(bodies), created.Load(), took.Microseconds())
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d requests failed, the first: %w", len(errs), len(bodies), errs[0])
	}
	return nil
}

// post makes one decision and reads the whole answer, so that the
// connection is reused.
func post(c *http.Client, url, auth string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST %s: %s: %s", body, resp.Status, bytes.TrimSpace(answer))
	}
	return nil
}
