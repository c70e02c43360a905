package live

import (
	"net"
	"sync/atomic"
	"time"
)

// wakeConn is the socket under a feed connection. Its Read never lets a read deadline
// reach the websocket and TLS layers above it: it reads with a short deadline and turns
// every timeout into a call to the client's idle work (draining the gateway's ring,
// timers, snapshot delivery) on the reading goroutine, then reads on. That is how the one
// goroutine that owns the engine both blocks on the feed and answers other events within
// an idle interval, without gorilla ever seeing a timeout, which would leave its
// connection permanently failed. Client.Wake cuts the wait short by moving the deadline
// into the past from any goroutine. A busy-polling connection has a pollConn below it
// (below TLS too) that does the waiting and the idle work itself, with no deadline.
type wakeConn struct {
	net.Conn
	c     *Client
	armed atomic.Bool // false during the opening handshake
	poll  *pollConn   // the socket under it, when the client busy-polls
}

// pastDeadline makes a blocked read return at once; any instant in the past does.
var pastDeadline = time.Unix(1, 0)

func (w *wakeConn) Read(p []byte) (int, error) {
	if !w.armed.Load() {
		// During the handshake gorilla reads the HTTP response through a bufio.Reader
		// that later becomes its own read buffer. Reading one byte at a time leaves
		// nothing in it past the response, so the frames that follow all reach
		// frameReader, which reads this socket directly.
		if len(p) > 1 {
			p = p[:1]
		}
		return w.Conn.Read(p)
	}
	c := w.c
	if c == nil {
		return w.Conn.Read(p) // a plain Conn: blocking reads, no idle work
	}
	for {
		now := time.Now()
		if err := c.check(now.UnixNano()); err != nil {
			return 0, err
		}
		// The idle work is due at c.nextIdle, on the steady clock, however the reads
		// before it went: a message trickling in byte by byte must not put it off.
		left := c.nextIdle - c.mono()
		if left <= 0 {
			c.idle(now.UnixNano())
			continue
		}
		if w.poll != nil {
			return w.Conn.Read(p) // the poll loop below does the idle work as it waits
		}
		if err := w.Conn.SetReadDeadline(now.Add(time.Duration(left))); err != nil {
			return 0, err
		}
		// The flag is tested after the deadline is set, and Wake sets the flag before
		// the deadline, so a wake-up is never lost between the two.
		if c.woken.Swap(false) {
			c.idle(now.UnixNano())
			continue
		}
		n, err := w.Conn.Read(p)
		if n > 0 {
			return n, nil // an error with data comes back on the next Read
		}
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			c.idle(time.Now().UnixNano())
			continue
		}
		return 0, err
	}
}
