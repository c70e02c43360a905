package binance

import "testing"

// BenchmarkDepthDecodeVenues times decoding alone, one real depth frame per op, on
// each recording in turn: the spot frames and the USD-M depth@0ms frames, which carry
// about twice the levels in shorter numbers. ns/level is the time per level decoded.
func BenchmarkDepthDecodeVenues(b *testing.B) {
	for _, c := range []struct {
		name, file string
		inst       Instrument
	}{{"spot", spotFile, spotBTC}, {"usdm", usdmFile, usdmBTC}} {
		b.Run(c.name, func(b *testing.B) {
			r := splitRecording(b, c.file, c.inst)
			dec, _ := NewDecoder(c.inst)
			levels := 0
			var cpu cpuClock
			b.ReportAllocs()
			cpu.start()
			i := 0
			for b.Loop() {
				ev, err := dec.Decode(r.depth[i].frame)
				if err != nil {
					b.Fatal(err)
				}
				levels += len(ev.Depth.Bids) + len(ev.Depth.Asks)
				if i++; i == len(r.depth) {
					i = 0
				}
			}
			cpu.stop()
			cpu.report(b)
			b.ReportMetric(float64(levels)/float64(b.N), "levels/op")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(levels), "ns/level")
		})
	}
}
