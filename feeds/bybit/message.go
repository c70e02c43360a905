package bybit

import (
	"strconv"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/orderbook"
)

// Kind is the kind of a decoded message.
type Kind uint8

// The kinds of message the decoder tells apart. Everything else that is
// well-formed (other topics, unknown operations) is KindOther.
const (
	KindOther    Kind = iota // a well-formed message this package ignores
	KindSnapshot             // orderbook snapshot: replaces the book
	KindDelta                // orderbook delta: sets or deletes levels
	KindTrade                // publicTrade: one or more trades
	KindTicker               // tickers: a snapshot or a delta of the changed fields
	KindOp                   // the answer to an operation: subscribe, unsubscribe, ping, auth
)

var kindNames = [...]string{"other", "snapshot", "delta", "trade", "ticker", "op"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// RateScale is the scale of Ticker.FundingRate: Bybit sends rates such as
// "-0.005" and "0.00010000", well within ten decimals.
const RateScale fixed.Scale = 10

// maxLevels bounds the levels of one side of one message: the deepest book
// Bybit serves is orderbook.1000. A message claiming more is malformed, and
// the bound keeps a hostile message from growing the level slices.
const maxLevels = 1000

// maxTrades bounds the trades of one publicTrade message: "a single message
// may have up to 1024 trades" (v5/websocket/public/trade).
const maxTrades = 1024

// Trade is one public trade of a publicTrade message.
type Trade struct {
	Time  int64  // T: when the order was filled, Unix ms
	Price int64  // p, at the decoder's price scale
	Qty   int64  // v, at the decoder's quantity scale
	Sell  bool   // S == "Sell": the taker sold
	Block bool   // BT: a block trade
	RPI   bool   // RPI: a Retail Price Improvement trade
	Seq   int64  // seq: the cross sequence
	ID    []byte // i: the trade id, aliasing the message
}

// TickerField flags the fields a ticker message carried. Bybit's linear
// tickers are deltas: "If a response param is not found in the message, then
// its value has not changed" (v5/websocket/public/ticker), and a field sent
// as "" has no value (a perpetual's deliveryTime, a future's fundingRate).
type TickerField uint16

// The ticker fields the decoder reads.
const (
	HasLastPrice TickerField = 1 << iota
	HasMarkPrice
	HasIndexPrice
	HasFundingRate
	HasNextFundingTime
	HasBid1Price
	HasBid1Size
	HasAsk1Price
	HasAsk1Size
)

// Ticker is what nanotick reads of a tickers message. Prices and sizes are
// at the decoder's scales, FundingRate at RateScale. Only the fields flagged
// in Has were in the message.
type Ticker struct {
	Has             TickerField
	LastPrice       int64
	MarkPrice       int64 // linear only
	IndexPrice      int64 // linear only
	FundingRate     int64 // linear perpetuals only
	NextFundingTime int64 // Unix ms; linear perpetuals only
	Bid1Price       int64
	Bid1Size        int64
	Ask1Price       int64
	Ask1Size        int64
}

// Merge copies the fields flagged in d.Has into t: a delta applied to the
// ticker the previous messages built.
func (t *Ticker) Merge(d *Ticker) {
	h := d.Has
	if h&HasLastPrice != 0 {
		t.LastPrice = d.LastPrice
	}
	if h&HasMarkPrice != 0 {
		t.MarkPrice = d.MarkPrice
	}
	if h&HasIndexPrice != 0 {
		t.IndexPrice = d.IndexPrice
	}
	if h&HasFundingRate != 0 {
		t.FundingRate = d.FundingRate
	}
	if h&HasNextFundingTime != 0 {
		t.NextFundingTime = d.NextFundingTime
	}
	if h&HasBid1Price != 0 {
		t.Bid1Price = d.Bid1Price
	}
	if h&HasBid1Size != 0 {
		t.Bid1Size = d.Bid1Size
	}
	if h&HasAsk1Price != 0 {
		t.Ask1Price = d.Ask1Price
	}
	if h&HasAsk1Size != 0 {
		t.Ask1Size = d.Ask1Size
	}
	t.Has |= h
}

// Message is one decoded message. Byte-slice fields alias the input, so they
// are valid only until the input buffer is reused. A Message is meant to be
// reused: Decode resets it and appends levels and trades into the capacity
// left by the previous message, which is what keeps decoding allocation-free.
type Message struct {
	Kind Kind

	// Topic is the message's topic ("orderbook.50.BTCUSDT"), nil for an
	// operation's answer.
	Topic []byte
	// Snapshot is true when type is "snapshot" (a book or ticker snapshot;
	// every publicTrade message says "snapshot" too).
	Snapshot bool
	// Time is ts, when Bybit's system generated the data, Unix ms.
	Time int64
	// MatchTime is the orderbook's cts, the matching engine's time, Unix ms.
	MatchTime int64

	// Symbol is the book's "s" or the ticker's "symbol".
	Symbol []byte
	// Bids and Asks are an orderbook message's levels in message order. In
	// a delta a Qty of 0 deletes the level.
	Bids, Asks []orderbook.Level
	// UpdateID is the orderbook's "u", Seq its "seq" or the ticker's "cs"
	// (the cross sequence).
	UpdateID, Seq int64

	// Trades are a publicTrade message's trades, oldest first.
	Trades []Trade

	// Ticker is a tickers message's fields.
	Ticker Ticker

	// Op, Success, RetMsg and ReqID describe an operation's answer:
	// {"success":true,"ret_msg":"","op":"subscribe","conn_id":..,"req_id":..}.
	// Bybit answers a ping with op "ping" and ret_msg "pong" (spot, linear)
	// or with op "pong" (private, options).
	Op      []byte
	Success bool
	RetMsg  []byte
	ReqID   []byte
}

// reset clears m for the next message, keeping the capacity of its slices.
func (m *Message) reset() {
	*m = Message{Bids: m.Bids[:0], Asks: m.Asks[:0], Trades: m.Trades[:0]}
}
