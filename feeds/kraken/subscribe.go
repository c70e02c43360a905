package kraken

import "strconv"

// AppendSubscribe appends the v2 request that subscribes to the feed's book
// with a snapshot, as in https://docs.kraken.com/api/docs/websocket-v2/book:
//
//	{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10,"snapshot":true},"req_id":1}
func (f *Feed) AppendSubscribe(dst []byte, reqID uint64) []byte {
	dst = append(dst, `{"method":"subscribe","params":{"channel":"book","symbol":["`...)
	return f.appendParams(dst, reqID, true)
}

// AppendUnsubscribe appends the v2 request that ends the feed's
// subscription. Kraken rejects a subscribe for a book that is already
// subscribed, so a resubscribe is an unsubscribe followed by a subscribe.
func (f *Feed) AppendUnsubscribe(dst []byte, reqID uint64) []byte {
	dst = append(dst, `{"method":"unsubscribe","params":{"channel":"book","symbol":["`...)
	return f.appendParams(dst, reqID, false)
}

func (f *Feed) appendParams(dst []byte, reqID uint64, snapshot bool) []byte {
	// NewFeed admits only symbols that need no escaping.
	dst = append(dst, f.cfg.Symbol...)
	dst = append(dst, `"],"depth":`...)
	dst = strconv.AppendInt(dst, int64(f.cfg.Depth), 10)
	if snapshot {
		dst = append(dst, `,"snapshot":true`...)
	}
	dst = append(dst, `},"req_id":`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	return append(dst, '}')
}

// AppendSubscribeTrades appends the v2 request that subscribes to the feed
// symbol's trade channel without its snapshot of past trades, as in
// https://docs.kraken.com/api/docs/websocket-v2/trade:
//
//	{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false},"req_id":2}
func (f *Feed) AppendSubscribeTrades(dst []byte, reqID uint64) []byte {
	dst = append(dst, `{"method":"subscribe","params":{"channel":"trade","symbol":["`...)
	dst = append(dst, f.cfg.Symbol...)
	dst = append(dst, `"],"snapshot":false},"req_id":`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	return append(dst, '}')
}
