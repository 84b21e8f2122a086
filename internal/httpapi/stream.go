package httpapi

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Event stream tuning: a client's queue, and how often an idle stream
// sends a comment so that proxies and clients know it is alive.
const (
	streamQueue     = 256
	streamKeepAlive = 15 * time.Second
)

// stream sends new events as Server-Sent Events until the client goes or
// the hub stops. A client too slow to keep up loses events; it is told how
// many in a "dropped" event.
func (a *api) stream(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		badParam(w, firstKey(r), "unknown parameter")
		return
	}
	rc := http.NewResponseController(w)
	// The server's write timeout is for ordinary answers; this one lasts.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Error: "streaming is not supported here"})
		return
	}
	sub, cancel := a.cfg.Live.Subscribe(streamQueue)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	bw.WriteString(": connected\n\n")
	bw.Flush()
	rc.Flush()

	tick := time.NewTicker(streamKeepAlive)
	defer tick.Stop()
	enc := json.NewEncoder(bw)
	var dropped uint64
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			bw.WriteString(": keep-alive\n\n")
		case e, ok := <-sub.C():
			if !ok {
				return
			}
			bw.WriteString("event: probe\nid: " + e.ID.String() + "\ndata: ")
			enc.Encode(toJSON(e, false)) // ends with the newline
			bw.WriteString("\n")
			// Send what is queued in one write.
			for n := len(sub.C()); n > 0; n-- {
				if e, ok = <-sub.C(); !ok {
					break
				}
				bw.WriteString("event: probe\nid: " + e.ID.String() + "\ndata: ")
				enc.Encode(toJSON(e, false))
				bw.WriteString("\n")
			}
			if d := sub.Dropped(); d != dropped {
				dropped = d
				bw.WriteString("event: dropped\ndata: {\"dropped\":" + strconv.FormatUint(d, 10) + "}\n\n")
			}
		}
		if err := bw.Flush(); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func firstKey(r *http.Request) string {
	for k := range r.URL.Query() {
		return k
	}
	return ""
}
