package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSimKraken: --venue kraken lists BTC/USD with USD balances and prints where
// Kraken's v2 protocol is served; a wrong venue is a command-line error.
func TestSimKraken(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runSim([]string{"--venue", "kraken", "--duration", "200ms"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"synthetic BTCUSD market", "kraken       ws://127.0.0.1:", "/kraken/v2  (subscribe book, trade BTC/USD",
		"kraken auth  ws://127.0.0.1:", "/0/private/GetWebSocketsToken", "balances USD=100000,BTC=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	stdout.Reset()
	stderr.Reset()
	if code := runSim([]string{"--venue", "krakken", "--duration", "10ms"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `--venue "krakken": want kraken`) {
		t.Errorf("bad venue: exit %d, stderr %s", code, stderr.String())
	}
}
