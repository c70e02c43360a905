//go:build !unix

package live

import (
	"errors"
	"net"
)

// busyPollSupported: off unix, New refuses Config.BusyPoll, so neither stub below runs.
const busyPollSupported = false

var errNoBusyPoll = errors.New("live: busy polling needs unix sockets")

type poller struct{}

func (poller) read([]byte) (int, error) { return 0, errNoBusyPoll }

func newPollConn(net.Conn, *Client) (*pollConn, error) { return nil, errNoBusyPoll }
