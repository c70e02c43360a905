package backtest

import "github.com/nanotick/nanotick/risk"

type msgKind uint8

const (
	msgPlace  msgKind = iota + 1 // an order on its way to the exchange
	msgCancel                    // a cancel on its way to the exchange
	msgAck                       // responses on their way to the strategy
	msgFill
	msgCancelled
	msgRejected
	msgModify         // a modify on its way to the exchange: order carries the new terms
	msgModified       // a modify applied: price and qty are the order's new terms
	msgModifyRejected // a modify refused: reason says why
)

// message is an order, a cancel or a response in flight. Messages are values in
// preallocated rings: nothing in flight allocates.
type message struct {
	due    int64
	kind   msgKind
	maker  bool
	order  risk.Order // msgPlace: the order; otherwise only ID is set
	price  int64
	qty    int64
	fee    int64
	reason string // msgRejected; always a constant, so it does not allocate
	log    int    // msgPlace: the order's index in the exchange's order log, or -1
	sent   int64  // msgPlace: when the engine sent it
}

// fifo is a ring of messages. One connection keeps its messages in order, so each
// direction of the order path is one fifo, and due times within it never decrease.
type fifo struct {
	buf  []message
	head int
	n    int
}

func newFIFO(capacity int) fifo { return fifo{buf: make([]message, capacity)} }

func (q *fifo) len() int { return q.n }

func (q *fifo) push(m message) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)%len(q.buf)] = m
	q.n++
}

// grow doubles the ring: amortized, and never again once the run's peak is reached.
func (q *fifo) grow() {
	nb := make([]message, max(2*len(q.buf), 16))
	for i := 0; i < q.n; i++ {
		nb[i] = q.buf[(q.head+i)%len(q.buf)]
	}
	q.buf, q.head = nb, 0
}

func (q *fifo) peek() *message { return &q.buf[q.head] }

func (q *fifo) pop() message {
	m := q.buf[q.head]
	q.buf[q.head] = message{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return m
}
