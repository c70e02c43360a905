package binance

import (
	"testing"

	"github.com/nanotick/nanotick/instrument"
	"github.com/nanotick/nanotick/md"
	"github.com/nanotick/nanotick/orderbook"
)

// BenchmarkMDFeedCall measures what the md.Feed interface costs the engine: the same
// depth frames decoded and applied through the interface (as the engine does) and
// through the concrete *MDFeed (as an engine generic over the feed type would). One op
// is one frame; the difference of the two is the indirect calls' cost.
func BenchmarkMDFeedCall(b *testing.B) {
	recs := loadRecording(b, "binance-spot-btcusdt-20240808.gz")
	spec := instrument.BinanceSpotBTCUSDT()
	var snap record
	var depth []record
	for _, r := range recs {
		switch {
		case len(r.frame) > 15 && string(r.frame[:15]) == `{"lastUpdateId"`:
			snap = r
		case len(r.frame) > 40 && containsDepth(r.frame[:40]):
			depth = append(depth, r)
		}
	}
	run := func(b *testing.B, viaInterface bool) {
		f, err := NewMDFeedSync(&spec, orderbook.New(8192), md.Config{IgnoreTickers: true}, SyncConfig{})
		if err != nil {
			b.Fatal(err)
		}
		var iface md.Feed = f
		frame := func(data []byte, local int64) {
			if viaInterface {
				if _, err := iface.Decode(data); err == nil {
					_ = iface.Apply(local)
				}
				return
			}
			if _, err := f.Decode(data); err == nil {
				_ = f.Apply(local)
			}
		}
		frame(snap.frame, snap.local)
		for _, r := range depth {
			frame(r.frame, r.local)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if i == len(depth) {
				f.Reset()
				frame(snap.frame, snap.local)
				i = 0
			}
			frame(depth[i].frame, depth[i].local)
			i++
		}
	}
	b.Run("interface", func(b *testing.B) { run(b, true) })
	b.Run("concrete", func(b *testing.B) { run(b, false) })
}

func containsDepth(b []byte) bool {
	for i := 0; i+6 <= len(b); i++ {
		if string(b[i:i+6]) == "@depth" {
			return true
		}
	}
	return false
}
