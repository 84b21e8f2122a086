//go:build !linux

package siplisten

import "net"

// singleReader reads one datagram per call: elsewhere than Linux there is
// no recvmmsg(2) (x/net's batch reads loop over recvmsg there too).
type singleReader struct {
	c  *net.UDPConn
	ds []datagram
}

func newBatchReader(conn *net.UDPConn, ds []datagram) (batchReader, error) {
	return singleReader{conn, ds}, nil
}

func (r singleReader) read() (int, error) {
	d := &r.ds[0]
	n, nn, _, src, err := r.c.ReadMsgUDPAddrPort(d.buf, d.oob)
	if err != nil {
		return 0, err
	}
	d.n, d.nn, d.src = n, nn, src
	return 1, nil
}
