package binance

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestRefusedLevels checks the level each refusal is logged at: a cancel refused with
// -2011 (the order is no longer open: filled, or removed by a cancel-all, while the
// cancel was on its way) is expected and logged at Info; every other refusal warns.
func TestRefusedLevels(t *testing.T) {
	tests := []struct {
		name  string
		kind  byte
		code  int
		msg   string
		level string
	}{
		{"cancel of an order gone", idCancel, codeCancelReject, "Unknown order sent.", "info"},
		{"cancel rate limited", idCancel, codeTooMany, "Too many requests.", "warn"},
		{"cancel of no such order", idCancel, codeNoSuchOrder, "Order does not exist.", "warn"},
		{"place refused", idPlace, -2010, "Account has insufficient balance for requested action.", "warn"},
		{"status refused -2011", idStatus, codeCancelReject, "Unknown order sent.", "warn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := zerolog.New(&buf)
			refused(&log, tt.kind, 7, tt.code, tt.msg)
			out := buf.String()
			if !strings.Contains(out, `"level":"`+tt.level+`"`) || !strings.Contains(out, `"order":7`) || !strings.Contains(out, tt.msg) {
				t.Errorf("logged %s, want level %s with the order and the venue's message", out, tt.level)
			}
		})
	}
}
