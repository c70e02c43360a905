package kraken

import (
	"strconv"

	"github.com/nanotick/nanotick/orderbook"
)

// Kind is the kind of a decoded message.
type Kind uint8

// The kinds of message the decoder tells apart. Everything the book does not
// need (other channels, pong, unsubscribe acknowledgements) is KindOther.
const (
	KindOther     Kind = iota // a well-formed message this package ignores
	KindSnapshot              // book snapshot: replaces the book
	KindUpdate                // book update: sets or deletes levels
	KindHeartbeat             // {"channel":"heartbeat"}, about once a second
	KindStatus                // {"channel":"status",...}: connection and system status
	KindSubscribe             // acknowledgement of a subscribe request
	KindTrade                 // trade channel, snapshot or update: one or more trades
)

var kindNames = [...]string{"other", "snapshot", "update", "heartbeat", "status", "subscribe", "trade"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// maxTrades bounds the trades of one trade message. Kraken's snapshot holds
// "the most recent 50 trades" and an update one event's batch
// (https://docs.kraken.com/api/docs/websocket-v2/trade); a thousand is far
// above either, and the bound keeps a hostile message from growing the slice.
const maxTrades = 1000

// Trade is one trade of the trade channel.
type Trade struct {
	Price int64 // price, at the decoder's price scale
	Qty   int64 // qty, at the decoder's quantity scale
	Sell  bool  // side == "sell": the taker sold
	// Market is ord_type == "market": the taker's order was a market order.
	Market bool
	ID     uint64 // trade_id: "a sequence number, unique per book"
	Time   int64  // timestamp, Unix ns
}

// Message is one decoded message. Byte-slice fields alias the input, so they
// are valid only until the input buffer is reused. A Message is meant to be
// reused: Decode resets it and appends levels into the capacity left by the
// previous message, which is what keeps decoding allocation-free.
type Message struct {
	Kind Kind

	// Symbol is the book's symbol ("BTC/USD"), or the symbol of a
	// subscribe acknowledgement.
	Symbol []byte

	// Bids and Asks are the levels in message order, in the decoder's
	// fixed-point scales. In an update a Qty of 0 deletes the level.
	Bids, Asks []orderbook.Level

	// Checksum is Kraken's CRC32 of the top 10 levels of each side after
	// the message is applied. Book messages always carry one.
	Checksum uint32

	// Time is the book message's exchange timestamp in Unix nanoseconds,
	// or 0 if it had none.
	Time int64

	// Trades are a trade message's trades, in message order. Symbol is
	// theirs: a message mixing symbols is malformed.
	Trades []Trade
	// TradeSnapshot is true for the trade channel's snapshot: "the most
	// recent 50 trades", history rather than news.
	TradeSnapshot bool

	// Channel, Depth, Success and Error describe a subscribe
	// acknowledgement: the result's channel and depth, the success flag
	// and the error text when it failed.
	Channel []byte
	Depth   int
	Success bool
	Error   []byte
}

// reset clears m for the next message, keeping the capacity of its level
// slices.
func (m *Message) reset() {
	*m = Message{Bids: m.Bids[:0], Asks: m.Asks[:0], Trades: m.Trades[:0]}
}
