package risk

import (
	"encoding/binary"
	"testing"

	"github.com/nanotick/nanotick/orderbook"
)

// FuzzSequence feeds arbitrary operations with arbitrary int64 operands
// (overflowing prices, negative quantities, clocks going backwards, unknown
// IDs) to a Checker and checks that nothing panics and that the hard limits
// still hold on what it accepted.
func FuzzSequence(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff\x7f\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newChecker(t, nil)
		b := newBook("60000.00", "60000.02", t0)
		lim := c.Limits()
		next := func() int64 {
			if len(data) < 8 {
				data = nil
				return 0
			}
			x := int64(binary.LittleEndian.Uint64(data))
			data = data[8:]
			return x
		}
		now := t0
		// check runs Check and, if it accepted, verifies the worst-case
		// position on the order's side right after.
		check := func(o *Order) {
			if c.Check(o, b, now) != ReasonOK {
				return
			}
			buys, sells := c.Pending()
			if o.Side == orderbook.Bid && c.Position()+buys > lim.MaxPosition ||
				o.Side == orderbook.Ask && sells-c.Position() > lim.MaxPosition {
				t.Fatalf("accepted %+v: position %d, pending %d/%d", *o, c.Position(), buys, sells)
			}
		}
		for len(data) > 0 {
			op := data[0] % 8
			data = data[1:]
			switch op {
			case 0: // a plausible order near the mid, perturbed
				o := &Order{ID: uint64(next() & 0xff), Side: orderbook.Side(next() & 1),
					Price: v("60000.00") + next()%1000*v("0.01"), Qty: v("0.001") * (next() % 2000)}
				check(o)
			case 1: // an arbitrary order
				o := &Order{ID: uint64(next()), Side: orderbook.Side(next()), Price: next(), Qty: next()}
				check(o)
			case 2:
				c.OnFill(uint64(next()&0xff), next(), next(), next())
			case 3:
				var ids [MaxOpenOrdersLimit]uint64
				for _, id := range c.AppendWorking(ids[:0]) {
					c.OnFill(id, v("60000.00")+next()%1000, v("0.001")*(next()%2000), next()%100)
				}
			case 4:
				c.OnCancel(uint64(next() & 0xff))
				c.OnReject(uint64(next() & 0xff))
			case 5:
				now += next()
				c.Mark(now, next())
			case 6:
				b.Set(orderbook.Side(next()&1), next(), next())
				b.SetSynced(next()&1 == 0)
				b.SetUpdate(0, now, now+next()%int64(2e9))
				c.OnBook(b, now)
			case 7:
				switch next() & 3 {
				case 0:
					c.Halt(Reason(next()))
				case 1:
					c.Resume()
				case 2:
					c.SetState(State(next() & 3))
				}
				c.Cancels(nil)
			}
			buys, sells := c.Pending()
			if c.Working() > lim.MaxOpenOrders || buys < 0 || sells < 0 {
				t.Fatalf("working %d, pending %d/%d", c.Working(), buys, sells)
			}
		}
	})
}
