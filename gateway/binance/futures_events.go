package binance

// USD-M's user data stream events, as Binance's derivatives documentation defines them
// (USDⓈ-M Futures, User Data Streams: "Event: Order Update", "Event: Balance and
// Position Update", "Event: Margin Call", "Event: User Data Stream Expired", "Event:
// Trade Lite", "Event: Account Configuration Update"; field names checked against the
// typed definitions OrderTradeUpdate, OrderTradeUpdateO, AccountUpdate, AccountUpdateA,
// MarginCall, ListenKeyExpired, TradeLite and AccountConfigUpdate of
// @binance/derivatives-trading-usds-futures 38.1.1):
//   - ORDER_TRADE_UPDATE: "o" holds the order: s symbol, c client order id, S side, o
//     order type (LIMIT ... LIQUIDATION), f time in force, q, p, x execution type (NEW,
//     CANCELED, CALCULATED = liquidation execution, EXPIRED, TRADE, AMENDMENT = order
//     modified), X status, l last filled quantity, z cumulative, L last price, N and n
//     the commission's asset and amount, m maker, R reduce-only, rp realized profit, er
//     expiry reason. A liquidation's client id starts "autoclose-", an ADL's is
//     "adl_autoclose", a delisting settlement's starts "settlement_autoclose-".
//   - ACCOUNT_UPDATE: "a" holds m, the reason (ORDER, FUNDING_FEE, DEPOSIT, ...), B the
//     balances (a asset, wb wallet, cw cross wallet, bc balance change except PnL and
//     commission) and P the positions (s, pa amount, ep entry price, up unrealized PnL,
//     mt margin type, iw isolated wallet, ps position side).
//   - MARGIN_CALL: cw cross wallet balance and p, the positions called.
//   - listenKeyExpired: the listen key expired; its E is sent as a string.
//   - TRADE_LITE carries a fill of ORDER_TRADE_UPDATE earlier and with fewer fields, and
//     ACCOUNT_CONFIG_UPDATE a leverage or multi-assets mode change: the gateway takes
//     fills from ORDER_TRADE_UPDATE only (it has the commission and the cumulative
//     quantity), so both are deliberately ignored but for a leverage change, logged.
// Keys differ only in case within one object ("s" and "S", "l" and "L", "x" and "X"),
// so every such key is declared: encoding/json prefers the exact match.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Event types of the user data stream.
const (
	evOrderTradeUpdate    = "ORDER_TRADE_UPDATE"
	evAccountUpdate       = "ACCOUNT_UPDATE"
	evMarginCall          = "MARGIN_CALL"
	evListenKeyExpired    = "listenKeyExpired"
	evTradeLite           = "TRADE_LITE"
	evAccountConfigUpdate = "ACCOUNT_CONFIG_UPDATE"
)

// flexInt is an integer sent as a JSON number or a quoted one (listenKeyExpired's E).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("integer %q: %w", b, err)
	}
	*f = flexInt(v)
	return nil
}

// futuresOrderEvent is ORDER_TRADE_UPDATE's "o".
type futuresOrderEvent struct {
	Symbol       string  `json:"s"`
	Client       string  `json:"c"`
	Side         string  `json:"S"`
	Type         string  `json:"o"`
	TIF          string  `json:"f"`
	Qty          string  `json:"q"`
	Price        string  `json:"p"`
	AvgPrice     string  `json:"ap"`
	Exec         string  `json:"x"`
	Status       string  `json:"X"`
	OrderID      flexInt `json:"i"`
	LastQty      string  `json:"l"`
	CumQty       string  `json:"z"`
	LastPrice    string  `json:"L"`
	FeeAsset     string  `json:"N"`
	Fee          string  `json:"n"`
	TradeTime    flexInt `json:"T"`
	TradeID      flexInt `json:"t"`
	Maker        bool    `json:"m"`
	ReduceOnly   bool    `json:"R"`
	OrigType     string  `json:"ot"`
	PositionSide string  `json:"ps"`
	Realized     string  `json:"rp"`
	ExpiryReason flexInt `json:"er"`
	// Declared so that their case twins above are not overwritten.
	ActivationPrice string `json:"AP"`
	BidNotional     string `json:"b"`
	AskNotional     string `json:"a"`
	STP             string `json:"V"`
}

// futuresBalance is one of ACCOUNT_UPDATE's balances.
type futuresBalance struct {
	Asset         string `json:"a"`
	Wallet        string `json:"wb"`
	CrossWallet   string `json:"cw"`
	BalanceChange string `json:"bc"`
}

// futuresPosition is one of ACCOUNT_UPDATE's positions.
type futuresPosition struct {
	Symbol       string `json:"s"`
	Amount       string `json:"pa"`
	EntryPrice   string `json:"ep"`
	Unrealized   string `json:"up"`
	MarginType   string `json:"mt"`
	Isolated     string `json:"iw"`
	PositionSide string `json:"ps"`
}

// futuresMarginCallPosition is one of MARGIN_CALL's positions.
type futuresMarginCallPosition struct {
	Symbol       string `json:"s"`
	PositionSide string `json:"ps"`
	Amount       string `json:"pa"`
	MarginType   string `json:"mt"`
	Isolated     string `json:"iw"`
	Mark         string `json:"mp"`
	Unrealized   string `json:"up"`
	Maintenance  string `json:"mm"`
}

// futuresEvent is one decoded user data stream event; Type says which members are set.
type futuresEvent struct {
	Type      string
	EventTime int64 // E, Unix ms
	TxTime    int64 // T, Unix ms
	Order     futuresOrderEvent
	// ACCOUNT_UPDATE
	Reason     string
	Balances   []futuresBalance
	Positions  []futuresPosition
	FundingSym string // a.S, the symbol of a FUNDING_FEE event when the venue names it
	// MARGIN_CALL
	CrossWallet string
	Called      []futuresMarginCallPosition
	// listenKeyExpired
	ListenKey string
	// ACCOUNT_CONFIG_UPDATE's leverage change, when it is one.
	ConfigSymbol   string
	ConfigLeverage int64
}

// decodeFuturesEvent decodes one user data stream message, raw or wrapped in a combined
// stream's {"stream","data"}. An event of a type the gateway does not know decodes with
// its Type set and nothing else: the caller ignores it.
func decodeFuturesEvent(msg []byte) (futuresEvent, error) {
	var ev futuresEvent
	var head struct {
		Stream *string         `json:"stream"`
		Data   json.RawMessage `json:"data"`
		Type   string          `json:"e"`
		E      flexInt         `json:"E"`
		T      flexInt         `json:"T"`
	}
	if err := json.Unmarshal(msg, &head); err != nil {
		return ev, fmt.Errorf("user data event: %w", err)
	}
	if head.Stream != nil {
		if len(head.Data) == 0 {
			return ev, errors.New("user data event: combined stream message without data")
		}
		msg = head.Data
		head.Stream = nil
		if err := json.Unmarshal(msg, &head); err != nil {
			return ev, fmt.Errorf("user data event: %w", err)
		}
	}
	if head.Type == "" {
		return ev, errors.New("user data event: no event type")
	}
	ev.Type, ev.EventTime, ev.TxTime = head.Type, int64(head.E), int64(head.T)
	switch head.Type {
	case evOrderTradeUpdate:
		var v struct {
			O *futuresOrderEvent `json:"o"`
		}
		v.O = &ev.Order
		if err := json.Unmarshal(msg, &v); err != nil {
			return ev, fmt.Errorf("ORDER_TRADE_UPDATE: %w", err)
		}
		if ev.Order.Symbol == "" || ev.Order.Exec == "" {
			return ev, errors.New("ORDER_TRADE_UPDATE: no symbol or execution type")
		}
	case evAccountUpdate:
		var v struct {
			A *struct {
				M string            `json:"m"`
				B []futuresBalance  `json:"B"`
				P []futuresPosition `json:"P"`
				S string            `json:"S"`
			} `json:"a"`
		}
		if err := json.Unmarshal(msg, &v); err != nil {
			return ev, fmt.Errorf("ACCOUNT_UPDATE: %w", err)
		}
		if v.A == nil || v.A.M == "" {
			return ev, errors.New("ACCOUNT_UPDATE: no update data or reason")
		}
		ev.Reason, ev.Balances, ev.Positions, ev.FundingSym = v.A.M, v.A.B, v.A.P, v.A.S
	case evMarginCall:
		var v struct {
			CW string                      `json:"cw"`
			P  []futuresMarginCallPosition `json:"p"`
		}
		if err := json.Unmarshal(msg, &v); err != nil {
			return ev, fmt.Errorf("MARGIN_CALL: %w", err)
		}
		ev.CrossWallet, ev.Called = v.CW, v.P
	case evListenKeyExpired:
		var v struct {
			K string `json:"listenKey"`
		}
		if err := json.Unmarshal(msg, &v); err != nil {
			return ev, fmt.Errorf("listenKeyExpired: %w", err)
		}
		ev.ListenKey = v.K
	case evAccountConfigUpdate:
		var v struct {
			AC *struct {
				S string  `json:"s"`
				L flexInt `json:"l"`
			} `json:"ac"`
		}
		if err := json.Unmarshal(msg, &v); err != nil {
			return ev, fmt.Errorf("ACCOUNT_CONFIG_UPDATE: %w", err)
		}
		if v.AC != nil {
			ev.ConfigSymbol, ev.ConfigLeverage = v.AC.S, int64(v.AC.L)
		}
	}
	return ev, nil
}

// Special client order ids of orders the venue places on the account's behalf.
const (
	liquidationPrefix = "autoclose-"
	adlClientID       = "adl_autoclose"
	settlementPrefix  = "settlement_autoclose-"
)

// forcedKind says whether an order event is a liquidation, an ADL or a settlement the
// venue forced on the account, and which ("" for an ordinary order).
func forcedKind(o *futuresOrderEvent) string {
	switch {
	case o.Client == adlClientID || len(o.Client) >= len(adlClientID) && o.Client[:len(adlClientID)] == adlClientID:
		return "adl"
	case len(o.Client) >= len(liquidationPrefix) && o.Client[:len(liquidationPrefix)] == liquidationPrefix,
		o.Type == "LIQUIDATION", o.Exec == "CALCULATED":
		return "liquidation"
	case len(o.Client) >= len(settlementPrefix) && o.Client[:len(settlementPrefix)] == settlementPrefix:
		return "settlement"
	}
	return ""
}
