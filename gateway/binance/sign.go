package binance

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"

	"github.com/nanotick/nanotick/orderbook"
	"github.com/nanotick/nanotick/risk"
)

// Signer signs WebSocket API requests with an HMAC-SHA256 key as Binance documents it:
// the payload is every parameter but signature, apiKey included, sorted by name and
// joined as name=value with '&'; the signature is the hex HMAC-SHA256 of the payload.
// With an Ed25519 key the signature is the base64 Ed25519 signature of the same payload
// (spot and USD-M "SIGNED request example (Ed25519)"). It reuses one keyed hash and its
// buffers, so signing allocates nothing. A Signer is not safe for concurrent use.
type Signer struct {
	creds   Credentials
	mac     hash.Hash
	sum     [sha256.Size]byte
	hex     [2 * sha256.Size]byte
	b64     [88]byte // base64 of a 64-byte Ed25519 signature
	payload []byte
}

// NewSigner returns a signer for creds.
func NewSigner(creds Credentials) *Signer {
	s := &Signer{creds: creds, payload: make([]byte, 0, 512)}
	if creds.ed == nil {
		s.mac = hmac.New(sha256.New, creds.secret)
	}
	return s
}

// Sign returns the signature of payload: hex HMAC-SHA256, or base64 Ed25519 for an
// Ed25519 key. The result is the Signer's and valid until the next call.
func (s *Signer) Sign(payload []byte) []byte {
	if s.creds.ed != nil {
		sig := ed25519.Sign(s.creds.ed, payload)
		base64.StdEncoding.Encode(s.b64[:], sig)
		return s.b64[:]
	}
	s.mac.Reset()
	s.mac.Write(payload)
	hex.Encode(s.hex[:], s.mac.Sum(s.sum[:0]))
	return s.hex[:]
}

// Request ids carry the request's kind and nanotick order id, so that an error answer,
// which echoes only the id, still names the order it is about.
const (
	idPlace  = 'p'
	idCancel = 'c'
	idStatus = 's'
	idTrades = 't' // an order's trade list (myTrades): "t" and the order id
	idOther  = 'x'
)

// AppendSignedPlace appends a signed order.place request for o, stamped with timestamp
// (Unix ms). The parameters are those of AppendPlace plus apiKey and signature; the
// request id is "p" and the order id.
func (e *Encoder) AppendSignedPlace(dst []byte, o *risk.Order, timestamp int64, s *Signer) []byte {
	if e.futures {
		return e.appendSignedFuturesPlace(dst, o, timestamp, s)
	}
	side, typ, tif := "SELL", "LIMIT", "GTC"
	if o.Side == orderbook.Bid {
		side = "BUY"
	}
	switch {
	case o.PostOnly:
		typ, tif = "LIMIT_MAKER", ""
	case o.IOC:
		tif = "IOC"
	}
	// The payload, in the parameters' alphabetical order.
	p := append(s.payload[:0], "apiKey="...)
	p = append(p, s.creds.apiKey...)
	p = append(p, "&newClientOrderId="...)
	p = append(p, e.prefix...)
	p = strconv.AppendUint(p, o.ID, 10)
	p = append(p, "&price="...)
	p = e.priceScale.Append(p, o.Price)
	p = append(p, "&quantity="...)
	p = e.qtyScale.Append(p, o.Qty)
	p = append(p, "&side="...)
	p = append(p, side...)
	p = append(p, "&symbol="...)
	p = append(p, e.symbol...)
	if tif != "" {
		p = append(p, "&timeInForce="...)
		p = append(p, tif...)
	}
	p = append(p, "&timestamp="...)
	p = strconv.AppendInt(p, timestamp, 10)
	p = append(p, "&type="...)
	p = append(p, typ...)
	s.payload = p
	sig := s.Sign(p)

	dst = append(dst, `{"id":"p`...)
	dst = strconv.AppendUint(dst, o.ID, 10)
	dst = append(dst, `","method":"order.place","params":{"symbol":"`...)
	dst = append(dst, e.symbol...)
	dst = append(dst, `","side":"`...)
	dst = append(dst, side...)
	dst = append(dst, `","type":"`...)
	dst = append(dst, typ...)
	if tif != "" {
		dst = append(dst, `","timeInForce":"`...)
		dst = append(dst, tif...)
	}
	dst = append(dst, `","price":"`...)
	dst = e.priceScale.Append(dst, o.Price)
	dst = append(dst, `","quantity":"`...)
	dst = e.qtyScale.Append(dst, o.Qty)
	dst = append(dst, `","newClientOrderId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, o.ID, 10)
	dst = append(dst, `","timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, `,"apiKey":"`...)
	dst = append(dst, s.creds.apiKey...)
	dst = append(dst, `","signature":"`...)
	dst = append(dst, sig...)
	return append(dst, `"}}`...)
}

// AppendSignedCancel appends a signed order.cancel request for nanotick order id; the
// request id is "c" and the order id.
func (e *Encoder) AppendSignedCancel(dst []byte, id uint64, timestamp int64, s *Signer) []byte {
	return e.appendSignedByClientID(dst, idCancel, "order.cancel", id, timestamp, s)
}

// AppendSignedStatus appends a signed order.status request for nanotick order id; the
// request id is "s" and the order id.
func (e *Encoder) AppendSignedStatus(dst []byte, id uint64, timestamp int64, s *Signer) []byte {
	return e.appendSignedByClientID(dst, idStatus, "order.status", id, timestamp, s)
}

func (e *Encoder) appendSignedByClientID(dst []byte, kind byte, method string, id uint64, timestamp int64, s *Signer) []byte {
	p := append(s.payload[:0], "apiKey="...)
	p = append(p, s.creds.apiKey...)
	p = append(p, "&origClientOrderId="...)
	p = append(p, e.prefix...)
	p = strconv.AppendUint(p, id, 10)
	p = append(p, "&symbol="...)
	p = append(p, e.symbol...)
	p = append(p, "&timestamp="...)
	p = strconv.AppendInt(p, timestamp, 10)
	s.payload = p
	sig := s.Sign(p)

	dst = append(dst, `{"id":"`...)
	dst = append(dst, kind)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `","method":"`...)
	dst = append(dst, method...)
	dst = append(dst, `","params":{"symbol":"`...)
	dst = append(dst, e.symbol...)
	dst = append(dst, `","origClientOrderId":"`...)
	dst = append(dst, e.prefix...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `","timestamp":`...)
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, `,"apiKey":"`...)
	dst = append(dst, s.creds.apiKey...)
	dst = append(dst, `","signature":"`...)
	dst = append(dst, sig...)
	return append(dst, `"}}`...)
}

// Param is one request parameter. Values are sent as JSON strings, except those
// Binance types as integers or booleans (bareParam), sent as its documented examples
// send them: `"recvWindow": 100`, `"orderId": 12569099453`, `"omitZeroBalances": true`.
type Param struct{ Key, Value string }

// bareParam reports whether p goes into a request's JSON as a number or a boolean, not
// a string: a parameter Binance's WebSocket API documents as INT, LONG or BOOLEAN,
// whose value reads as one. The signature is over the same text either way.
func bareParam(p Param) bool {
	switch p.Key {
	case "timestamp", "recvWindow", "orderId", "orderListId", "fromId", "limit", "startTime", "endTime":
		if p.Value == "" {
			return false
		}
		for i := 0; i < len(p.Value); i++ {
			if c := p.Value[i]; c < '0' || c > '9' {
				return false
			}
		}
		return true
	case "omitZeroBalances":
		return p.Value == "true" || p.Value == "false"
	}
	return false
}

// AppendSignedRequest appends any signed request: method with params plus apiKey,
// timestamp and signature, under request id. It is for the calls off the tick path
// (account.status, openOrders.status, openOrders.cancelAll, the user data stream) and
// allocates. Keys and values must need no JSON escaping, as Binance's all do.
func (s *Signer) AppendSignedRequest(dst []byte, id, method string, params []Param, timestamp int64) []byte {
	ts := strconv.FormatInt(timestamp, 10)
	all := append(slices.Clone(params), Param{"apiKey", s.creds.apiKey}, Param{"timestamp", ts})
	slices.SortFunc(all, func(a, b Param) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	p := s.payload[:0]
	for i, kv := range all {
		if i > 0 {
			p = append(p, '&')
		}
		p = append(p, kv.Key...)
		p = append(p, '=')
		p = append(p, kv.Value...)
	}
	s.payload = p
	sig := s.Sign(p)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","method":"`...)
	dst = append(dst, method...)
	dst = append(dst, `","params":{`...)
	for _, kv := range all {
		dst = append(dst, '"')
		dst = append(dst, kv.Key...)
		dst = append(dst, `":`...)
		if bareParam(kv) {
			dst = append(dst, kv.Value...)
		} else {
			dst = append(dst, '"')
			dst = append(dst, kv.Value...)
			dst = append(dst, '"')
		}
		dst = append(dst, ',')
	}
	dst = append(dst, `"signature":"`...)
	dst = append(dst, sig...)
	return append(dst, `"}}`...)
}
