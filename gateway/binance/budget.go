package binance

import (
	"encoding/json"
	"sync"
	"time"
)

// The request weights of the methods the gateway sends (web-socket-api.md, the
// "Weight" of each method), and what connecting costs ("Connecting to WebSocket API
// costs 2 weight").
const (
	weightPlace      = 1
	weightCancel     = 1
	weightStatus     = 4
	weightOpenOrders = 6 // openOrders.status with a symbol
	weightCancelAll  = 1
	weightAccount    = 20
	weightSubscribe  = 2
	weightConnect    = 2
	weightTrades     = 5 // myTrades with orderId ("Without orderId 20, with orderId 5")
)

// Priorities of requests against the weight budget: new orders stop first, so that
// cancels and status queries, which reduce risk, keep a reserve.
type priority uint8

const (
	prioOrder  priority = iota // may use up to orderShare of the limit
	prioRescue                 // cancels, status queries, reconciliation: the whole limit
)

// orderShare is the part of the weight limit new orders may use; the rest is kept for
// cancels and queries.
const orderShare = 0.8

// rateLimit is one entry of a response's rateLimits.
type rateLimit struct {
	Type        string `json:"rateLimitType"`
	Interval    string `json:"interval"`
	IntervalNum int64  `json:"intervalNum"`
	Limit       int64  `json:"limit"`
	Count       int64  `json:"count"`
}

// intervalMs returns the length of a rate limit interval in ms, 0 if unknown.
func (r *rateLimit) intervalMs() int64 {
	var unit int64
	switch r.Interval {
	case "SECOND":
		unit = 1000
	case "MINUTE":
		unit = 60_000
	case "HOUR":
		unit = 3_600_000
	case "DAY":
		unit = 86_400_000
	default:
		return 0
	}
	return unit * max(r.IntervalNum, 1)
}

// counter is one rate limit as the gateway tracks it: the venue's limit and the
// count of the current clock-aligned interval, the larger of what the venue last
// reported and what the gateway has sent since.
type counter struct {
	length int64 // ms
	limit  int64
	start  int64 // ms: start of the current interval
	count  int64
}

func (c *counter) roll(now int64) {
	if c.length <= 0 {
		return
	}
	if s := now - now%c.length; s != c.start {
		c.start, c.count = s, 0
	}
}

// budget keeps the gateway within the venue's rate limits: the request weight per
// minute and the order counts, learnt from the rateLimits of every response, and
// the pauses the venue orders (429 with retryAfter) or a ban (418). Every request
// is charged before it is written; one the budget does not allow is not sent. It is
// shared by the engine's goroutine (orders, cancels, queries), the owner's (control
// requests) and the reader (rateLimits, pauses), so it is locked; nothing in it
// allocates.
type budget struct {
	mu      sync.Mutex
	weight  counter
	orders  []counter // ORDERS limits (10 s, 1 day), as reported
	pauseTo int64     // ms: nothing is sent before this (429 retryAfter)
	banTo   int64     // ms: banned (418) until this
	banned  bool      // a ban was seen: trading is halted for good
	denied  uint64    // requests the budget held back
}

// newBudget starts with Binance's documented limits until the venue reports its own.
func newBudget() *budget {
	return &budget{weight: counter{length: 60_000, limit: 6000},
		orders: []counter{{length: 10_000, limit: 50}, {length: 86_400_000, limit: 160_000}}}
}

// allow charges a request of weight w (and one order if order is set) at now (ms)
// and reports whether it may be sent.
func (b *budget) allow(now int64, w int64, p priority, order bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now < b.pauseTo || now < b.banTo || (b.banned && p == prioOrder) {
		b.denied++
		return false
	}
	b.weight.roll(now)
	lim := b.weight.limit
	if p == prioOrder {
		lim = int64(float64(lim) * orderShare)
	}
	if b.weight.count+w > lim {
		b.denied++
		return false
	}
	if order {
		for i := range b.orders {
			c := &b.orders[i]
			c.roll(now)
			if c.count+1 > c.limit {
				b.denied++
				return false
			}
		}
		for i := range b.orders {
			b.orders[i].count++
		}
	}
	b.weight.count += w
	return true
}

// observe takes the rateLimits of a response received at now (ms): the venue's
// limits and counts, which replace the gateway's where they are higher (the venue
// also counts what other connections of this IP sent).
func (b *budget) observe(now int64, limits []rateLimit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range limits {
		r := &limits[i]
		length := r.intervalMs()
		if length == 0 || r.Limit <= 0 {
			continue
		}
		var c *counter
		switch r.Type {
		case "REQUEST_WEIGHT":
			c = &b.weight
		case "ORDERS":
			for j := range b.orders {
				if b.orders[j].length == length {
					c = &b.orders[j]
				}
			}
		}
		if c == nil {
			continue
		}
		c.length, c.limit = length, r.Limit
		c.roll(now)
		c.count = max(c.count, r.Count)
	}
}

// pause stops sending until retryAfter (ms); a ban also halts new orders for good.
func (b *budget) pause(retryAfter int64, ban bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ban {
		b.banned = true
		b.banTo = max(b.banTo, retryAfter)
		return
	}
	b.pauseTo = max(b.pauseTo, retryAfter)
}

// state returns the weight used and its limit, the pause's end and whether banned.
func (b *budget) state(now int64) (used, limit, pausedTo int64, banned bool, denied uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.weight.roll(now)
	return b.weight.count, b.weight.limit, max(b.pauseTo, b.banTo), b.banned, b.denied
}

// errorData is the data of a rate limit error: when to retry (ms).
type errorData struct {
	ServerTime int64 `json:"serverTime"`
	RetryAfter int64 `json:"retryAfter"`
}

// retryAfter returns the retry time (ms) of a 429 or 418 answer: its data's
// retryAfter, or, when the venue gave none, a minute from now, the longest weight
// window.
func retryAfter(data json.RawMessage, now int64) int64 {
	var d errorData
	if len(data) > 0 && json.Unmarshal(data, &d) == nil && d.RetryAfter > now {
		return d.RetryAfter
	}
	return now + time.Minute.Milliseconds()
}
