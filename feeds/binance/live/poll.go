package live

import (
	"net"
	"sync/atomic"
	"time"
)

// A pollConn is the socket under a busy-polling feed connection (Config.BusyPoll). Its
// Read never sleeps: it asks the kernel for data without blocking, again and again, and
// between two asks runs the client's idle work when it is woken or an idle interval has
// passed, until data comes or the client must stop reading (Client.check). It sits below
// TLS, when there is TLS, so that TLS decrypts what it reads and sees one read that
// waits, never a timeout.
//
// Blocking costs every frame the kernel's and Go's scheduler's wake-up of the reading
// goroutine, on a core that has often gone to sleep since the last one. Polling spends
// a whole core to skip that, and since nothing sets a deadline and nothing times out, an
// idle pass allocates nothing either, over TLS too (a deadline's timeout is a fresh
// *net.OpError each time, and crypto/tls allocates on each read it retries).
//
// The idle work runs inside the read of a frame, as it does in blocking mode after a
// deadline: it drains the order gateway's answers and runs timers, and never touches
// this connection.
type pollConn struct {
	net.Conn
	c     *Client
	armed atomic.Bool // false during the opening handshake: plain blocking reads
	poll  poller      // the platform's non-blocking read (poll_unix.go)
}

// Read returns data as soon as the kernel has some, running the idle work while it
// waits, or the reason the client must stop reading.
func (pc *pollConn) Read(p []byte) (int, error) {
	if !pc.armed.Load() || len(p) == 0 {
		return pc.Conn.Read(p)
	}
	c := pc.c
	for {
		n, err := pc.poll.read(p)
		if n > 0 || err != nil {
			return n, err
		}
		if c.woken.Load() || c.mono() >= c.nextIdle {
			now := time.Now().UnixNano()
			if err := c.check(now); err != nil {
				return 0, err
			}
			c.idle(now)
		}
	}
}
