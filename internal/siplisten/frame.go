package siplisten

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

var (
	errOversize  = errors.New("message over the size cap")
	errTruncated = errors.New("connection ended inside a message")
	errBadLength = errors.New("unreadable Content-Length")
)

// framer splits a SIP byte stream into messages by Content-Length
// (RFC 3261 18.3). A missing Content-Length means no body.
type framer struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// next returns the next message. On error it also returns whatever part of
// a message had arrived, so that nothing received goes unrecorded; the
// returned slice is valid until the next call.
func (f *framer) next() ([]byte, error) {
	f.buf = f.buf[:0]
	clen := 0
	// Skip CRLF keep-alives (RFC 5626) between messages.
	for {
		b, err := f.r.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] != '\r' && b[0] != '\n' {
			break
		}
		f.r.Discard(1)
	}
	for {
		line, err := f.readLine()
		if err != nil {
			return f.buf, partial(err, len(f.buf))
		}
		f.buf = append(f.buf, line...)
		if isBlank(line) {
			break
		}
		if n, ok := contentLength(line); ok {
			clen = n
		}
	}
	if clen < 0 {
		return f.buf, errBadLength
	}
	if clen > f.max-len(f.buf) {
		return f.buf, errOversize
	}
	start := len(f.buf)
	f.buf = append(f.buf, make([]byte, clen)...)
	n, err := io.ReadFull(f.r, f.buf[start:])
	if err != nil {
		return f.buf[:start+n], partial(err, start+n)
	}
	return f.buf, nil
}

// readLine reads one line including its end, within the size cap.
func (f *framer) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := f.r.ReadSlice('\n')
		if len(f.buf)+len(line)+len(chunk) > f.max {
			room := f.max - len(f.buf) - len(line)
			f.buf = append(f.buf, line...)
			f.buf = append(f.buf, chunk[:max(room, 0)]...)
			return nil, errOversize
		}
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			f.buf = append(f.buf, line...)
			return nil, err
		}
		return line, nil
	}
}

func partial(err error, n int) error {
	if (err == io.EOF || err == io.ErrUnexpectedEOF) && n > 0 {
		return errTruncated
	}
	return err
}

func isBlank(line []byte) bool {
	return len(line) == 1 || (len(line) == 2 && line[0] == '\r')
}

// contentLength reads a Content-Length or compact "l" header line.
func contentLength(line []byte) (int, bool) {
	i := 0
	for i < len(line) && line[i] != ':' {
		i++
	}
	if i == len(line) {
		return 0, false
	}
	name := trimSpace(line[:i])
	if !(len(name) == 1 && (name[0] == 'l' || name[0] == 'L')) && !equalFold(name, "content-length") {
		return 0, false
	}
	v := trimSpace(line[i+1:])
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return -1, true
	}
	return n, true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
