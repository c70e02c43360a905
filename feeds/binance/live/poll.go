package live

import (
	"net"
	"sync/atomic"
)

// A pollConn is the socket under a busy-polling feed connection (Config.BusyPoll). Its
// Read never sleeps: it asks the kernel for data without blocking, again and again,
// until data comes, the client is woken, or an idle interval has passed, and in the last
// two cases returns errPollIdle. The wakeConn above takes that, as it takes a read
// deadline's timeout, as its cue to run the idle work and read again; TLS, when there is
// TLS between the two, passes it up and keeps its state, as it does for a deadline.
//
// Blocking costs every frame the kernel's and Go's scheduler's wake-up of the reading
// goroutine, on a core that has often gone to sleep since the last one. Polling spends
// a whole core to skip that, and since nothing here sets a deadline, an idle pass
// allocates nothing either (a deadline's timeout is a fresh *net.OpError each time).
type pollConn struct {
	net.Conn
	c     *Client
	armed atomic.Bool // false during the opening handshake: plain blocking reads
	poll  poller      // the platform's non-blocking read (poll_unix.go)
}

// pollIdle is errPollIdle's type: a timeout, so that wakeConn and TLS treat it as one,
// and an empty struct, so that returning it allocates nothing.
type pollIdle struct{}

func (pollIdle) Error() string   { return "live: idle interval while polling" }
func (pollIdle) Timeout() bool   { return true }
func (pollIdle) Temporary() bool { return true }

// errPollIdle is what pollConn.Read returns when it stops polling without data.
var errPollIdle net.Error = pollIdle{}

// Read returns data as soon as the kernel has some, or errPollIdle once the client is
// woken or its idle interval has passed.
func (pc *pollConn) Read(p []byte) (int, error) {
	if !pc.armed.Load() || len(p) == 0 {
		return pc.Conn.Read(p)
	}
	until := nanotime() + int64(pc.c.idleEvery)
	for {
		n, err := pc.poll.read(p)
		if n > 0 || err != nil {
			return n, err
		}
		if pc.c.woken.Load() || nanotime() >= until {
			return 0, errPollIdle
		}
	}
}
