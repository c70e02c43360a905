package exchange

import (
	"strconv"
	"time"
)

// RateLimits are the WebSocket API's limits, as Binance documents them
// (web-socket-api.md, "Rate limits"): request weight per IP per minute, and
// the unfilled order count per account per 10 seconds and per day. Every
// interval is aligned to the clock (a 1-minute window starts on the minute,
// the 10-second one at :00, :10..., the day at 00:00 UTC). A zero field takes
// Binance's value.
type RateLimits struct {
	// WeightPerMinute is the REQUEST_WEIGHT limit; default 6000.
	WeightPerMinute int
	// OrdersPer10s and OrdersPerDay are the ORDERS limits; default 50 and
	// 160000.
	OrdersPer10s, OrdersPerDay int
	// BanAfter is how many requests rejected with 429 within one minute
	// window make the exchange ban the client ("failing to back off after
	// receiving 429s will result in an automated IP ban"); default 10.
	BanAfter int
	// BanFor is how long a ban lasts; default 2 minutes, Binance's shortest.
	BanFor time.Duration
	// MakerFillCredit is how much an order's first fill in the maker phase takes off
	// the unfilled order count (a first fill as taker takes 1). Binance: "the unfilled
	// order count may be decremented by more than one order" for orders that first
	// fill as makers; its example uses 5. Default 1.
	MakerFillCredit int
}

func (r RateLimits) withDefaults() RateLimits {
	if r.WeightPerMinute <= 0 {
		r.WeightPerMinute = 6000
	}
	if r.OrdersPer10s <= 0 {
		r.OrdersPer10s = 50
	}
	if r.OrdersPerDay <= 0 {
		r.OrdersPerDay = 160000
	}
	if r.BanAfter <= 0 {
		r.BanAfter = 10
	}
	if r.BanFor <= 0 {
		r.BanFor = 2 * time.Minute
	}
	if r.MakerFillCredit <= 0 {
		r.MakerFillCredit = 1
	}
	return r
}

// window counts in one clock-aligned interval.
type window struct {
	start int64 // ms: start of the current interval
	count int
}

// at returns the count of the interval holding now (ms), resetting it when a
// new interval has begun.
func (w *window) at(now, length int64) *window {
	if s := now - now%length; s != w.start {
		w.start, w.count = s, 0
	}
	return w
}

const (
	minuteMs = int64(60_000)
	tenSecMs = int64(10_000)
	dayMs    = int64(86_400_000)
)

// limiter is the exchange's rate limit state: the weight is per IP, and every
// client of the local exchange is on loopback, so it is one counter; the
// order counts are per account. The Exchange's lock guards it.
type limiter struct {
	cfg       RateLimits
	weight    window
	rejected  window // 429s answered in the current minute
	bannedTil int64  // ms; 0 when not banned
}

// orderCount is an account's unfilled order count windows.
type orderCount struct {
	tenSec, day window
	credit      int // first fills not yet taken off the windows (see firstFill)
}

// methodWeight is each method's request weight (web-socket-api.md, the
// "Weight" of each method).
func methodWeight(method string, p params) int {
	switch method {
	case "ping", "time", "order.place", "order.cancel", "order.cancelReplace", "openOrders.cancelAll", "order.test":
		if method == "order.test" && p["computeCommissionRates"] == "true" {
			return 20
		}
		return 1
	case "session.logon", "session.status", "session.logout", "userDataStream.subscribe", "userDataStream.subscribe.signature", "userDataStream.unsubscribe":
		return 2
	case "order.status", "order.amend.keepPriority":
		return 4
	case "openOrders.status":
		if _, ok := p["symbol"]; ok {
			return 6
		}
		return 80
	case "account.status", "account.commission":
		return 20
	case "account.rateLimits.orders":
		return 40
	case "myTrades":
		// "Without orderId 20, with orderId 5".
		if _, ok := p["orderId"]; ok {
			return 5
		}
		return 20
	}
	return 1
}

// ordersAdded is how many orders a method adds to the unfilled order count
// ("Unfilled Order Count" of each method).
func ordersAdded(method string) int {
	switch method {
	case "order.place", "order.cancelReplace":
		return 1
	}
	return 0
}

// verdict is what the limiter decided about a request.
type verdict struct {
	err  *apiError // nil: admitted
	data retryData // when to retry
	ban  bool      // the request has just earned a ban: disconnect the client
}

// admitWeight charges a request's weight. It returns the error the request
// must be answered with instead when a limit is exceeded: 418 while banned,
// 429 past the weight limit.
func (l *limiter) admitWeight(now int64, weight int) verdict {
	if l.bannedTil > now {
		return banned(l.bannedTil, now)
	}
	w := l.weight.at(now, minuteMs)
	w.count += weight
	if w.count > l.cfg.WeightPerMinute {
		return l.reject(now, w.start+minuteMs, &apiError{429, -1003, "Too much request weight used; current limit is " +
			strconv.Itoa(l.cfg.WeightPerMinute) + " request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."})
	}
	return verdict{}
}

// admitOrders checks that an account may place n more orders now.
func (l *limiter) admitOrders(now int64, oc *orderCount, n int) verdict {
	oc.settle(now)
	ts, d := oc.tenSec.at(now, tenSecMs), oc.day.at(now, dayMs)
	switch {
	case ts.count+n > l.cfg.OrdersPer10s:
		return l.reject(now, ts.start+tenSecMs, &apiError{429, -1015, "Too many new orders; current limit is " + strconv.Itoa(l.cfg.OrdersPer10s) + " orders per 10 SECOND."})
	case d.count+n > l.cfg.OrdersPerDay:
		return l.reject(now, d.start+dayMs, &apiError{429, -1015, "Too many new orders; current limit is " + strconv.Itoa(l.cfg.OrdersPerDay) + " orders per 1 DAY."})
	}
	return verdict{}
}

// reject counts a 429 and turns it into a ban once the client has ignored
// BanAfter of them within the minute.
func (l *limiter) reject(now, retry int64, e *apiError) verdict {
	r := l.rejected.at(now, minuteMs)
	r.count++
	if r.count > l.cfg.BanAfter {
		l.bannedTil = now + l.cfg.BanFor.Milliseconds()
		v := banned(l.bannedTil, now)
		v.ban = true
		return v
	}
	return verdict{err: e, data: retryData{now, retry}}
}

// add adds placed orders to an account's unfilled order count: only orders
// the exchange accepted count ("Successfully placed orders update the ORDERS
// rate limit type").
func (oc *orderCount) add(now int64, n int) {
	oc.tenSec.at(now, tenSecMs).count += n
	oc.day.at(now, dayMs).count += n
	oc.settle(now)
}

// firstFill notes an order's first fill, to be taken off the unfilled order count of
// every interval (faqs/order_count_decrement.md: "When an order is filled for the first
// time (partially or fully), your unfilled order count is decremented ... for all
// intervals of the ORDERS rate limit"). It is applied by settle on the limiter's clock,
// after the placing request has been counted, never below zero ("You do not get credit
// for order fills").
func (oc *orderCount) firstFill(n int) { oc.credit += n }

// settle applies the noted first fills to the current intervals at now (ms).
func (oc *orderCount) settle(now int64) {
	if oc.credit == 0 {
		return
	}
	for _, w := range []*window{oc.tenSec.at(now, tenSecMs), oc.day.at(now, dayMs)} {
		w.count = max(w.count-oc.credit, 0)
	}
	oc.credit = 0
}

func banned(until, now int64) verdict {
	return verdict{err: &apiError{418, -1003, "Way too much request weight used; IP banned until " + strconv.FormatInt(until, 10) +
		". Please use WebSocket Streams for live updates to avoid bans."}, data: retryData{now, until}}
}

// appendRateLimits appends the rateLimits array of a response: the weight
// limit always, the order limits when the request was an order.
func (l *limiter) appendRateLimits(dst []byte, now int64, oc *orderCount, orders bool) []byte {
	dst = append(dst, '[')
	if orders && oc != nil {
		oc.settle(now)
		dst = appendRateLimit(dst, "ORDERS", "SECOND", 10, l.cfg.OrdersPer10s, oc.tenSec.at(now, tenSecMs).count)
		dst = append(dst, ',')
		dst = appendRateLimit(dst, "ORDERS", "DAY", 1, l.cfg.OrdersPerDay, oc.day.at(now, dayMs).count)
		dst = append(dst, ',')
	}
	dst = appendRateLimit(dst, "REQUEST_WEIGHT", "MINUTE", 1, l.cfg.WeightPerMinute, l.weight.at(now, minuteMs).count)
	return append(dst, ']')
}

func appendRateLimit(dst []byte, typ, interval string, num, limit, count int) []byte {
	dst = append(dst, `{"rateLimitType":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","interval":"`...)
	dst = append(dst, interval...)
	dst = append(dst, `","intervalNum":`...)
	dst = strconv.AppendInt(dst, int64(num), 10)
	dst = append(dst, `,"limit":`...)
	dst = strconv.AppendInt(dst, int64(limit), 10)
	dst = append(dst, `,"count":`...)
	dst = strconv.AppendInt(dst, int64(count), 10)
	return append(dst, '}')
}
