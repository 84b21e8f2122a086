package siplisten

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func frames(input string, max int) ([]string, error) {
	f := framer{r: bufio.NewReaderSize(strings.NewReader(input), 64), max: max}
	var out []string
	for {
		b, err := f.next()
		if len(b) > 0 {
			out = append(out, string(b))
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
	}
}

func TestFramer(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		max   int
		want  []string
		error error
	}{
		{name: "two messages", in: "A\r\nl: 2\r\n\r\nhiB\r\n\r\n", max: 100, want: []string{"A\r\nl: 2\r\n\r\nhi", "B\r\n\r\n"}},
		{name: "keepalives skipped", in: "\r\n\r\n\r\nA\r\n\r\n", max: 100, want: []string{"A\r\n\r\n"}},
		{name: "bare LF", in: "A\nContent-Length: 3\n\nabc", max: 100, want: []string{"A\nContent-Length: 3\n\nabc"}},
		{name: "long line over buffer", in: "A" + strings.Repeat("x", 300) + "\r\n\r\n", max: 1000, want: []string{"A" + strings.Repeat("x", 300) + "\r\n\r\n"}},
		{name: "oversize headers", in: strings.Repeat("x", 300) + "\r\n\r\n", max: 100, want: []string{strings.Repeat("x", 100)}, error: errOversize},
		{name: "oversize body", in: "A\r\nContent-Length: 500\r\n\r\n", max: 100, want: []string{"A\r\nContent-Length: 500\r\n\r\n"}, error: errOversize},
		{name: "bad length", in: "A\r\nContent-Length: x\r\n\r\n", max: 100, want: []string{"A\r\nContent-Length: x\r\n\r\n"}, error: errBadLength},
		{name: "truncated body", in: "A\r\nl: 9\r\n\r\nab", max: 100, want: []string{"A\r\nl: 9\r\n\r\nab"}, error: errTruncated},
		{name: "truncated headers", in: "A\r\nB: c", max: 100, want: []string{"A\r\nB: c"}, error: errTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := frames(tt.in, tt.max)
			if !errors.Is(err, tt.error) {
				t.Errorf("err = %v, want %v", err, tt.error)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzFramer: any byte stream is split without panics, no message exceeds
// the cap, and no byte is invented.
func FuzzFramer(f *testing.F) {
	f.Add("INVITE sip:1@x SIP/2.0\r\nContent-Length: 4\r\n\r\nbodyOPTIONS sip:x SIP/2.0\r\n\r\n", 200)
	f.Add("\r\n\r\nA\nl:-1\n\n", 64)
	f.Add("A\r\nl: 99999999999999999999\r\n\r\n", 1024)
	f.Fuzz(func(t *testing.T, in string, max int) {
		if max < 16 || max > 1<<16 {
			return
		}
		got, _ := frames(in, max)
		total := 0
		for _, m := range got {
			if len(m) > max {
				t.Fatalf("message of %d bytes over cap %d", len(m), max)
			}
			total += len(m)
		}
		if total > len(in) {
			t.Fatalf("framed %d bytes out of %d", total, len(in))
		}
	})
}
