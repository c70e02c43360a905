//go:build unix

package live

import (
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// busyPollSupported: unix sockets can be read without blocking through a RawConn.
const busyPollSupported = true

// poller reads a socket without blocking, through its syscall.RawConn: RawConn.Read takes
// the socket's read lock, so a concurrent Close cannot hand the descriptor to another
// file under it, and its callback, which reports done at once, never waits in Go's
// netpoller.
type poller struct {
	rc syscall.RawConn
	// The callback's arguments and results: it is bound once, in newPollConn, so that a
	// poll allocates nothing.
	p     []byte
	n     int
	err   error
	read1 func(fd uintptr) bool
}

// newPollConn returns nc, which must be a socket (a *net.TCPConn), polled for c.
func newPollConn(nc net.Conn, c *Client) (*pollConn, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("live: busy polling needs a socket, got %T", nc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("live: busy polling: %w", err)
	}
	pc := &pollConn{Conn: nc, c: c}
	pc.poll.rc = rc
	pc.poll.read1 = pc.poll.readFD
	return pc, nil
}

func (q *poller) readFD(fd uintptr) bool {
	q.n, q.err = syscall.Read(int(fd), q.p)
	return true // never wait for readiness: the caller polls again
}

// read returns what one non-blocking read gives: data, (0, nil) when there is none yet,
// io.EOF when the peer has closed, or the error.
func (q *poller) read(p []byte) (int, error) {
	q.p = p
	err := q.rc.Read(q.read1)
	q.p = nil
	if err != nil {
		return 0, err
	}
	switch {
	case q.err == nil && q.n > 0:
		return q.n, nil
	case q.err == nil:
		return 0, io.EOF
	case q.err == syscall.EAGAIN, q.err == syscall.EINTR:
		return 0, nil
	}
	return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", q.err)}
}
