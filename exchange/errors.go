package exchange

import (
	"fmt"
	"strconv"
)

// apiError is a Binance error answer: the HTTP-like status of the WebSocket
// API response (or of the REST response) and Binance's code and message.
type apiError struct {
	Status int
	Code   int
	Msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("binance error %d: %s", e.Code, e.Msg) }

// appendJSON appends {"code":..,"msg":".."}.
func (e *apiError) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(e.Code), 10)
	dst = append(dst, `,"msg":`...)
	dst = strconv.AppendQuote(dst, e.Msg)
	return append(dst, '}')
}

// The errors the exchange answers with, with Binance's codes and wording
// (https://developers.binance.com/docs/binance-spot-api-docs/errors).
var (
	errUnknown         = &apiError{400, -1000, "An unknown error occurred while processing the request."}
	errUnsupported     = &apiError{400, -1020, "This operation is not supported."}
	errTimestamp       = &apiError{400, -1021, "Timestamp for this request is outside of the recvWindow."}
	errSignature       = &apiError{400, -1022, "Signature for this request is not valid."}
	errMalformedReq    = &apiError{400, -1100, "Illegal characters found in parameter 'request'."}
	errInvalidSymbol   = &apiError{400, -1121, "Invalid symbol."}
	errInvalidSide     = &apiError{400, -1117, "Invalid side."}
	errInvalidType     = &apiError{400, -1116, "Invalid orderType."}
	errInvalidTIF      = &apiError{400, -1115, "Invalid timeInForce."}
	errRecvWindow      = &apiError{400, -1131, "recvWindow must be less than 60000"}
	errWouldTake       = &apiError{400, -2010, "Order would immediately match and take."}
	errBalance         = &apiError{400, -2010, "Account has insufficient balance for requested action."}
	errDuplicate       = &apiError{400, -2010, "Duplicate order sent."}
	errUnknownOrder    = &apiError{400, -2011, "Unknown order sent."}
	errNoSuchOrder     = &apiError{400, -2013, "Order does not exist."}
	errAPIKeyFormat    = &apiError{400, -2014, "API-key format invalid."}
	errAPIKey          = &apiError{401, -2015, "Invalid API-key, IP, or permissions for action."}
	errReplayNoTrading = &apiError{400, -1020, "This operation is not supported: the local exchange is replaying a recording and matches no orders."}
	errNoSession       = &apiError{401, -1002, "You are not authorized to execute this request."}
	errUnknownMethod   = &apiError{400, -1020, "Unknown method."}
)

// errMandatory is Binance's error for a missing parameter.
func errMandatory(name string) *apiError {
	return &apiError{400, -1102, "Mandatory parameter '" + name + "' was not sent, was empty/null, or malformed."}
}

// errIllegal is Binance's error for a parameter with a bad value.
func errIllegal(name string) *apiError {
	return &apiError{400, -1100, "Illegal characters found in parameter '" + name + "'."}
}

// errPrecision is Binance's error for a decimal with more places than the
// asset allows (-1111 BAD_PRECISION).
func errPrecision(name string) *apiError {
	return &apiError{400, -1111, "Parameter '" + name + "' has too much precision."}
}

// retryData is the data Binance adds to a rate limit error, in ms:
// {"serverTime":..,"retryAfter":..}.
type retryData struct{ serverTime, retryAfter int64 }

// json returns the data as JSON, nil when there is none.
func (d retryData) json() []byte {
	if d.retryAfter == 0 {
		return nil
	}
	b := []byte(`{"serverTime":`)
	b = strconv.AppendInt(b, d.serverTime, 10)
	b = append(b, `,"retryAfter":`...)
	b = strconv.AppendInt(b, d.retryAfter, 10)
	return append(b, '}')
}

// appendJSONData appends the error with its data (a JSON value), if any.
func (e *apiError) appendJSONData(dst []byte, data []byte) []byte {
	dst = e.appendJSON(dst)
	if data == nil {
		return dst
	}
	dst = append(dst[:len(dst)-1], `,"data":`...)
	dst = append(dst, data...)
	return append(dst, '}')
}

// errFilter is Binance's error for an order failing an instrument filter.
func errFilter(filter string) *apiError {
	return &apiError{400, -1013, "Filter failure: " + filter}
}
