// Command hookbench is the webhook benchmark's helper (bench/webhook/run.sh).
//
//	hookbench send -to 127.0.0.1:15060 -n 20000
//
// sends n SIP OPTIONS probes over UDP, paced so that the kernel drops none.
//
//	hookbench receive -listen 127.0.0.1:18099 -n 20000
//
// is a webhook receiver: it answers 503 with Retry-After: 1 until GET /go,
// then 204 to every POST, counts the events in the bodies (an object is
// one, an array its length), and when n have arrived prints one line,
// "events=N posts=P seconds=S rate=R", and exits.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

const probe = "OPTIONS sip:%d@127.0.0.1 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK%d\r\n" +
	"From: <sip:100@127.0.0.1>;tag=1\r\nTo: <sip:%d@127.0.0.1>\r\n" +
	"Call-ID: %d@bench\r\nCSeq: 1 OPTIONS\r\nUser-Agent: hookbench\r\nContent-Length: 0\r\n\r\n"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hookbench send|receive [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "send":
		err = send(os.Args[2:])
	case "receive":
		err = receive(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hookbench:", err)
		os.Exit(1)
	}
}

func send(args []string) error {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	to := fs.String("to", "127.0.0.1:15060", "the daemon's SIP address")
	n := fs.Int("n", 20000, "probes to send")
	fs.Parse(args)
	c, err := net.Dial("udp", *to)
	if err != nil {
		return err
	}
	defer c.Close()
	for i := range *n {
		if _, err := fmt.Fprintf(c, probe, i, i, i, i); err != nil {
			return err
		}
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

func receive(args []string) error {
	fs := flag.NewFlagSet("receive", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:18099", "address to serve")
	n := fs.Int64("n", 20000, "events to wait for")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	var (
		open          atomic.Bool
		events, posts atomic.Int64
		once          sync.Once
		start         time.Time
		done          = make(chan time.Duration, 1)
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /go", func(w http.ResponseWriter, r *http.Request) { open.Store(true) })
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !open.Load() {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		once.Do(func() { start = time.Now() })
		k := int64(1)
		if len(body) > 0 && body[0] == '[' {
			var arr []json.RawMessage
			if err := json.Unmarshal(body, &arr); err != nil {
				http.Error(w, "not JSON", http.StatusBadRequest)
				return
			}
			k = int64(len(arr))
		}
		posts.Add(1)
		w.WriteHeader(http.StatusNoContent)
		if events.Add(k) >= *n && events.Load()-k < *n {
			done <- time.Since(start)
		}
	})
	go http.Serve(ln, mux)
	d := <-done
	fmt.Printf("events=%d posts=%d seconds=%.3f rate=%.0f\n", events.Load(), posts.Load(), d.Seconds(), float64(events.Load())/d.Seconds())
	return nil
}
