package apiclient

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

// sseReader reads a text/event-stream, following the WHATWG parsing rules
// that matter here: ":" starts a comment, "field: value" (one leading space
// dropped), a blank line dispatches.
type sseReader struct {
	sc *bufio.Scanner
}

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxSSELine)
	return &sseReader{sc: sc}
}

// next returns the next event that has data. It returns io.EOF when the
// stream ends (a half-received event is dropped), else the read error.
func (s *sseReader) next() (sseEvent, error) {
	var ev sseEvent
	var data bytes.Buffer
	hasData := false
	for s.sc.Scan() {
		line := s.sc.Text()
		if line == "" {
			if hasData {
				ev.Data = bytes.Clone(data.Bytes())
				if ev.Type == "" {
					ev.Type = "message"
				}
				return ev, nil
			}
			ev = sseEvent{}
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
	if err := s.sc.Err(); err != nil {
		return sseEvent{}, err
	}
	return sseEvent{}, io.EOF
}
