package binance

// USD-M's REST calls the futures gateway makes off the tick path, at start, after a
// reconnect and at shutdown (USDⓈ-M Futures REST API; fields and codes from
// developers.binance.com's derivatives documentation and the typed definitions of
// @binance/derivatives-trading-usds-futures 38.1.1):
//   - GET /fapi/v1/positionSide/dual (USER_DATA) → {"dualSidePosition": bool}: true is
//     hedge mode, which nanotick refuses;
//   - POST /fapi/v1/marginType (TRADE) symbol, marginType ISOLATED|CROSSED →
//     {"code":200,"msg":"success"}; -4046 "No need to change margin type." is success;
//   - POST /fapi/v1/leverage (TRADE) symbol, leverage 1-125 → {"leverage","maxNotionalValue","symbol"};
//   - GET /fapi/v1/openOrders (USER_DATA) symbol → the open orders;
//   - DELETE /fapi/v1/allOpenOrders (TRADE) symbol → {"code":200,"msg":"The operation of cancel all open order is done."};
//   - POST, PUT, DELETE /fapi/v1/listenKey (USER_STREAM: API key header, no signature):
//     start (or extend and return the active key), keep alive for 60 minutes, close;
//     a PUT answered -1125 ("This listenKey does not exist.") needs a new POST.
// SIGNED calls carry timestamp and signature (HMAC-SHA256 hex, or base64 Ed25519,
// percent-encoded) over the query string, and the key in the X-MBX-APIKEY header.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// USD-M error codes the futures gateway acts on (USDⓈ-M Futures "Error Codes").
const (
	codeMarginInsufficient = -2019 // MARGIN_NOT_SUFFICIEN: "Margin is insufficient."
	codeReduceOnlyReject   = -2022 // REDUCE_ONLY_REJECT: "ReduceOnly Order is rejected."
	codeListenKeyMissing   = -1125 // INVALID_LISTEN_KEY: "This listenKey does not exist."
	codeNoNeedMarginType   = -4046 // NO_NEED_TO_CHANGE_MARGIN_TYPE: "No need to change margin type."
	codeGTXReject          = -5022 // GTX_ORDER_REJECT: the post-only order would have taken
	codeFOKReject          = -5021 // FOK_ORDER_REJECT: the fill-or-kill order could not fill whole
)

// rest is the futures gateway's REST client.
type rest struct {
	base   string
	client *http.Client
	signer *Signer // owned by rest: calls are serialized by the caller's restMu
	apiKey string
	limits *budget
	onBan  func(status int, msg string, data json.RawMessage)
}

// call sends one REST request and decodes a 200 answer into out (when not nil). An error
// answer is an *APIError with Binance's code and message. signed adds timestamp and
// signature; keyed alone sends only the API key header (USER_STREAM calls).
func (r *rest) call(ctx context.Context, method, path string, params url.Values, signed bool, weight int64, out any) error {
	now := time.Now().UnixMilli()
	if !r.limits.allow(now, weight, prioRescue, false) {
		return fmt.Errorf("%s %s: %w", method, path, ErrRateLimited)
	}
	q := params.Encode() // sorted by key, percent-encoded: the payload as sent
	if signed {
		if q != "" {
			q += "&"
		}
		q += "timestamp=" + strconv.FormatInt(now, 10)
		sig := r.signer.Sign([]byte(q))
		q += "&signature=" + url.QueryEscape(string(sig))
	}
	u := r.base + path
	if q != "" {
		u += "?" + q
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("X-MBX-APIKEY", r.apiKey)
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		}
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode == 429 || resp.StatusCode == 418 {
			if r.onBan != nil {
				r.onBan(resp.StatusCode, e.Msg, nil)
			}
		}
		if e.Msg == "" {
			e.Msg = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		return fmt.Errorf("%s %s: %w", method, path, &APIError{Status: resp.StatusCode, Code: e.Code, Msg: e.Msg})
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// dualSide reads the position mode: true is hedge mode.
func (r *rest) dualSide(ctx context.Context) (bool, error) {
	var v struct {
		Dual *bool `json:"dualSidePosition"`
	}
	if err := r.call(ctx, http.MethodGet, "/fapi/v1/positionSide/dual", url.Values{}, true, 30, &v); err != nil {
		return false, err
	}
	if v.Dual == nil {
		return false, errors.New("GET /fapi/v1/positionSide/dual: no dualSidePosition in the answer")
	}
	return *v.Dual, nil
}

// setMarginType sets symbol's margin type (ISOLATED or CROSSED); already set is success.
func (r *rest) setMarginType(ctx context.Context, symbol, marginType string) error {
	err := r.call(ctx, http.MethodPost, "/fapi/v1/marginType", url.Values{"symbol": {symbol}, "marginType": {marginType}}, true, 1, nil)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == codeNoNeedMarginType {
		return nil
	}
	return err
}

// setLeverage sets symbol's initial leverage and checks the venue's echo.
func (r *rest) setLeverage(ctx context.Context, symbol string, leverage int) error {
	var v struct {
		Leverage int    `json:"leverage"`
		Symbol   string `json:"symbol"`
	}
	if err := r.call(ctx, http.MethodPost, "/fapi/v1/leverage", url.Values{"symbol": {symbol}, "leverage": {strconv.Itoa(leverage)}}, true, 1, &v); err != nil {
		return err
	}
	if v.Leverage != leverage {
		return fmt.Errorf("POST /fapi/v1/leverage: the venue set %d, not %d", v.Leverage, leverage)
	}
	return nil
}

// futuresOpenOrder is one order of GET /fapi/v1/openOrders.
type futuresOpenOrder struct {
	ClientOrderID string `json:"clientOrderId"`
	Side          string `json:"side"`
	Price         string `json:"price"`
	OrigQty       string `json:"origQty"`
	ExecutedQty   string `json:"executedQty"`
	PositionSide  string `json:"positionSide"`
	Type          string `json:"type"`
}

func (r *rest) openOrders(ctx context.Context, symbol string) ([]futuresOpenOrder, error) {
	var v []futuresOpenOrder
	if err := r.call(ctx, http.MethodGet, "/fapi/v1/openOrders", url.Values{"symbol": {symbol}}, true, 1, &v); err != nil {
		return nil, err
	}
	return v, nil
}

func (r *rest) cancelAll(ctx context.Context, symbol string) error {
	return r.call(ctx, http.MethodDelete, "/fapi/v1/allOpenOrders", url.Values{"symbol": {symbol}}, true, 1, nil)
}

func (r *rest) newListenKey(ctx context.Context) (string, error) {
	var v struct {
		ListenKey string `json:"listenKey"`
	}
	if err := r.call(ctx, http.MethodPost, "/fapi/v1/listenKey", url.Values{}, false, 1, &v); err != nil {
		return "", err
	}
	if v.ListenKey == "" || strings.ContainsAny(v.ListenKey, "/?#&% ") {
		return "", fmt.Errorf("POST /fapi/v1/listenKey: unusable listen key %q", v.ListenKey)
	}
	return v.ListenKey, nil
}

func (r *rest) keepAlive(ctx context.Context) error {
	return r.call(ctx, http.MethodPut, "/fapi/v1/listenKey", url.Values{}, false, 1, nil)
}

func (r *rest) closeListenKey(ctx context.Context) error {
	return r.call(ctx, http.MethodDelete, "/fapi/v1/listenKey", url.Values{}, false, 1, nil)
}
