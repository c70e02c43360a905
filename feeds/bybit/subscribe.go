package bybit

import "strconv"

// AppendSubscribe appends the request that subscribes to topics, as in
// https://bybit-exchange.github.io/docs/v5/ws/connect:
//
//	{"req_id":"1","op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]}
//
// Topics from Feed.Topics need no escaping. Spot takes at most 10 args per
// request.
func AppendSubscribe(dst []byte, reqID uint64, topics ...string) []byte {
	return appendOp(dst, "subscribe", reqID, topics)
}

// AppendUnsubscribe appends the request that ends the subscriptions to
// topics. A resubscribe is an unsubscribe followed by a subscribe, whose
// answer is a new snapshot.
func AppendUnsubscribe(dst []byte, reqID uint64, topics ...string) []byte {
	return appendOp(dst, "unsubscribe", reqID, topics)
}

// AppendPing appends the heartbeat Bybit asks for every 20 seconds:
// {"req_id":"1","op":"ping"}.
func AppendPing(dst []byte, reqID uint64) []byte {
	return appendOp(dst, "ping", reqID, nil)
}

func appendOp(dst []byte, op string, reqID uint64, topics []string) []byte {
	dst = append(dst, `{"req_id":"`...)
	dst = strconv.AppendUint(dst, reqID, 10)
	dst = append(dst, `","op":"`...)
	dst = append(dst, op...)
	dst = append(dst, '"')
	if topics != nil {
		dst = append(dst, `,"args":[`...)
		for i, t := range topics {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendQuote(dst, t)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}
