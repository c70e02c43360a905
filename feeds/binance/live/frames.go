package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Websocket opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

var errProtocol = errors.New("websocket protocol error")

// frameReader reads server-to-client websocket frames from r into one reused, growing
// buffer. It exists because gorilla/websocket's NextReader allocates a small reader
// object for every message (conn.go: c.messageReader = &messageReader{c}), which breaks
// the zero-allocation read path; gorilla still does the opening handshake and all
// writes. An unfragmented message is returned as a slice of the read buffer itself, so a
// message costs no copy either; fragments are joined in a second reused buffer.
type frameReader struct {
	r          io.Reader
	buf        []byte // read buffer; unread bytes are buf[start:end]
	start, end int
	msg        []byte // joined fragments of the message being assembled
	msgOp      byte   // opcode of the fragmented message, 0 when none is open
	max        int    // largest message accepted
}

func newFrameReader(r io.Reader, size, max int) *frameReader {
	return &frameReader{r: r, buf: make([]byte, size), max: max}
}

// reset points the reader at a new connection, keeping its buffers.
func (f *frameReader) reset(r io.Reader) {
	f.r, f.start, f.end, f.msg, f.msgOp = r, 0, 0, f.msg[:0], 0
}

// fill makes at least n unread bytes available, compacting and, only when a frame is
// larger than any before, growing the buffer.
func (f *frameReader) fill(n int) error {
	if f.end-f.start >= n {
		return nil
	}
	if f.start+n > len(f.buf) {
		if n > len(f.buf) {
			nb := make([]byte, max(n, 2*len(f.buf)))
			f.end = copy(nb, f.buf[f.start:f.end])
			f.buf = nb
		} else {
			f.end = copy(f.buf, f.buf[f.start:f.end])
		}
		f.start = 0
	}
	for f.end-f.start < n {
		m, err := f.r.Read(f.buf[f.end:])
		f.end += m
		if err != nil {
			if f.end-f.start >= n {
				return nil
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// next returns the next data message (opText or opBinary, fragments joined) or control
// frame. The payload is valid until the next call.
func (f *frameReader) next() (op byte, payload []byte, err error) {
	for {
		if err := f.fill(2); err != nil {
			return 0, nil, err
		}
		b0, b1 := f.buf[f.start], f.buf[f.start+1]
		fin, op := b0&0x80 != 0, b0&0x0F
		if b0&0x70 != 0 {
			return 0, nil, fmt.Errorf("%w: reserved bits set (no extension was negotiated)", errProtocol)
		}
		if b1&0x80 != 0 {
			return 0, nil, fmt.Errorf("%w: masked frame from server", errProtocol)
		}
		hdr, n := 2, uint64(b1&0x7F)
		switch n {
		case 126:
			hdr = 4
		case 127:
			hdr = 10
		}
		if err := f.fill(hdr); err != nil {
			return 0, nil, err
		}
		switch hdr {
		case 4:
			n = uint64(binary.BigEndian.Uint16(f.buf[f.start+2:]))
		case 10:
			n = binary.BigEndian.Uint64(f.buf[f.start+2:])
		}
		if op >= opClose && (!fin || n > 125) {
			return 0, nil, fmt.Errorf("%w: control frame fragmented or over 125 bytes", errProtocol)
		}
		if n > uint64(f.max) {
			return 0, nil, fmt.Errorf("%w: frame of %d bytes exceeds the %d-byte limit", errProtocol, n, f.max)
		}
		total := hdr + int(n)
		if err := f.fill(total); err != nil {
			return 0, nil, err
		}
		p := f.buf[f.start+hdr : f.start+total]
		f.start += total
		if f.start == f.end {
			f.start, f.end = 0, 0 // buffer drained: next read starts at the front, no compaction needed
		}
		switch op {
		case opClose, opPing, opPong:
			return op, p, nil
		case opText, opBinary:
			if f.msgOp != 0 {
				return 0, nil, fmt.Errorf("%w: new message inside a fragmented one", errProtocol)
			}
			if fin {
				return op, p, nil
			}
			f.msgOp, f.msg = op, append(f.msg[:0], p...)
		case opContinuation:
			if f.msgOp == 0 {
				return 0, nil, fmt.Errorf("%w: continuation without a message", errProtocol)
			}
			if len(f.msg)+len(p) > f.max {
				return 0, nil, fmt.Errorf("%w: message exceeds the %d-byte limit", errProtocol, f.max)
			}
			f.msg = append(f.msg, p...)
			if fin {
				op, f.msgOp = f.msgOp, 0
				return op, f.msg, nil
			}
		default:
			return 0, nil, fmt.Errorf("%w: unknown opcode %#x", errProtocol, op)
		}
	}
}
