package cli

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// sseEvent is one dispatched Server-Sent Event.
type sseEvent struct {
	Type string // "message" when the stream gave none
	ID   string
	Data []byte // the data lines joined with "\n"
}

// maxSSELine caps one line of the stream.
const maxSSELine = 4 << 20

// readSSE reads a text/event-stream from r and calls fn for each event that
// has data, in order, following the WHATWG parsing rules that matter here:
// ":" starts a comment, "field: value" (one leading space dropped), a blank
// line dispatches. It returns nil when r ends (a half-received event is
// dropped), the first error of fn, or the read error.
func readSSE(r io.Reader, fn func(sseEvent) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxSSELine)
	var ev sseEvent
	var data bytes.Buffer
	hasData := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if hasData {
				ev.Data = bytes.Clone(data.Bytes())
				if ev.Type == "" {
					ev.Type = "message"
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, hasData = sseEvent{}, false
			data.Reset()
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Type = value
		case "id":
			ev.ID = value
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		}
	}
	return sc.Err()
}
