package exchange_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nanotick/nanotick/exchange"
)

// Example starts a local exchange in-process, as an end-to-end test would,
// and reads its depth snapshot.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ex, err := exchange.Start(ctx, exchange.Config{
		Seed:     42,
		Accounts: []exchange.AccountConfig{{APIKey: "key", Secret: "secret", Balances: map[string]string{"USDT": "100000"}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ex.Close()
	resp, err := http.Get(ex.RESTURL() + "/api/v3/depth?symbol=BTCUSDT&limit=1000")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.HasPrefix(string(body), `{"lastUpdateId":`))
	fmt.Println(strings.HasPrefix(ex.WSAPIURL(), "ws://127.0.0.1:"))
	view, _ := ex.Account("key")
	fmt.Println(view.Balances["USDT"].Free, len(view.OpenOrders))
	// Output:
	// 200 true
	// true
	// 100000 0
}
