package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Conn is a websocket client connection whose reads and writes allocate nothing: the
// order gateway's socket. One goroutine reads with Next; any goroutine writes with
// WriteText, serialised by a mutex that is contended only by the reader's pongs.
type Conn struct {
	ws *websocket.Conn
	wc *wakeConn
	fr *frameReader

	wmu  sync.Mutex
	wbuf []byte
	mask *rand.ChaCha8
}

// Dial opens a Conn to u (ws or wss), bounding the handshake by timeout. maxMessage bounds
// the messages Next accepts; 0 means 16 MiB.
func Dial(ctx context.Context, u string, timeout time.Duration, maxMessage int) (*Conn, error) {
	if maxMessage <= 0 {
		maxMessage = 16 << 20
	}
	ws, wc, err := dialWS(ctx, u, timeout, nil)
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rand.Uint32())
	}
	return &Conn{ws: ws, wc: wc, fr: newFrameReader(wc, 64<<10, maxMessage),
		wbuf: make([]byte, 0, 4096), mask: rand.NewChaCha8(seed)}, nil
}

// ErrClosedByPeer is wrapped by Next's error when the server closed the connection.
var ErrClosedByPeer = errors.New("live: connection closed by the server")

// Next returns the next text or binary message; the payload is valid until the next
// call. It answers pings itself and returns an error wrapping ErrClosedByPeer when the
// server closes the connection.
func (c *Conn) Next() (op int, payload []byte, err error) {
	for {
		o, p, err := c.fr.next()
		if err != nil {
			return 0, nil, err
		}
		switch o {
		case opText, opBinary:
			return int(o), p, nil
		case opPing:
			if err := c.write(opPong, p, time.Now().Add(time.Second)); err != nil {
				return 0, nil, fmt.Errorf("live: pong: %w", err)
			}
		case opClose:
			code := websocket.CloseNoStatusReceived
			if len(p) >= 2 {
				code = int(p[0])<<8 | int(p[1])
			}
			_ = c.write(opClose, p[:min(len(p), 2)], time.Now().Add(time.Second))
			return 0, nil, fmt.Errorf("%w: code %d", ErrClosedByPeer, code)
		}
	}
}

// WriteText sends p as one text message, failing if it cannot be written by deadline.
// After an error the connection must be closed: a frame may have been cut.
func (c *Conn) WriteText(p []byte, deadline time.Time) error {
	return c.write(opText, p, deadline)
}

// write sends one masked frame (RFC 6455 5.3: every client frame is masked) with a
// single write of a reused buffer.
func (c *Conn) write(op byte, p []byte, deadline time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := append(c.wbuf[:0], 0x80|op)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	k := c.mask.Uint64()
	key := [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
	b = append(b, key[:]...)
	off := len(b)
	b = append(b, p...)
	for i := range p {
		b[off+i] ^= key[i&3]
	}
	c.wbuf = b
	if err := c.wc.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := c.wc.Conn.Write(b)
	return err
}

// Close sends a close frame and closes the connection.
func (c *Conn) Close() error {
	_ = c.write(opClose, []byte{0x03, 0xE8}, time.Now().Add(100*time.Millisecond)) // 1000: normal closure
	return c.wc.Conn.Close()
}
