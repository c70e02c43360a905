//go:build !unix

package live

import (
	"errors"
	"net"
)

// busyPollSupported: off unix, New refuses Config.BusyPoll.
const busyPollSupported = false

type poller struct{}

func (poller) read([]byte) (int, error) {
	return 0, errors.New("live: busy polling needs unix sockets")
}

func newPollConn(net.Conn, *Client) (*pollConn, error) {
	return nil, errors.New("live: busy polling needs unix sockets")
}
