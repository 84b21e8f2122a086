package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"
)

// number is the called number of the i-th probe: each probe is a new
// (source, number) key, so each becomes a record of its own at once.
func number(i int) string { return fmt.Sprintf("0044700%06d", i) }

// invite is a minimal toll-fraud INVITE from local (host:port) to number
// at the honeypot dst (host:port), unique per i (Call-ID, branch, tag).
func invite(i int, local, dst string) []byte {
	n, id := number(i), strconv.Itoa(i)
	return []byte("INVITE sip:" + n + "@" + dst + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + local + ";branch=z9hG4bK-p2pbench-" + id + ";rport\r\n" +
		"Max-Forwards: 70\r\n" +
		"To: <sip:" + n + "@" + dst + ">\r\n" +
		"From: \"p2pbench\" <sip:p2pbench@" + local + ">;tag=p2pbench-" + id + "\r\n" +
		"Call-ID: p2pbench-" + id + "@127.0.0.1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Contact: <sip:p2pbench@" + local + ">\r\n" +
		"User-Agent: p2pbench\r\n" +
		"Content-Length: 0\r\n\r\n")
}

// inject sends n INVITEs to 127.0.0.1:port over UDP, one datagram each, at
// rate per second (on a schedule, so that a late send does not slow the
// rest). It returns when each number was sent, unix nanoseconds.
func inject(ctx context.Context, port, n int, rate float64) (map[string]int64, error) {
	conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("injecting: %w", err)
	}
	defer conn.Close()
	local, dst := conn.LocalAddr().String(), conn.RemoteAddr().String()
	sent := make(map[string]int64, n)
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return nil, err
			}
		}
		msg := invite(i, local, dst)
		t := time.Now()
		if _, err := conn.Write(msg); err != nil {
			return nil, fmt.Errorf("injecting probe %d: %w", i, err)
		}
		sent[number(i)] = t.UnixNano()
	}
	return sent, nil
}
