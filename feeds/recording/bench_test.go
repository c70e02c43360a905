package recording

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/nanotick/nanotick/internal/testdata"
)

// BenchmarkRead reads the whole spot recording with Reader, and
// BenchmarkGunzip only decompresses it with compress/gzip into io.Discard:
// the floor that the reader's own work adds to. Both report MB/s of
// decompressed text, so their ratio is the reader's overhead; cpu-ns/op
// compares them on a busy machine.
func BenchmarkRead(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	b.SetBytes(textSize(b, path))
	records := 0
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		records = 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
		}
		r.Close()
	}
	if records != spotLines {
		b.Fatalf("read %d records, want %d", records, spotLines)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(records), "ns/record")
	reportCPU(b, cpu)
}

func BenchmarkGunzip(b *testing.B) {
	path := testdata.SharedData(b, spotFile)
	size := textSize(b, path)
	b.SetBytes(size)
	zr := new(gzip.Reader)
	cpu := testdata.StartCPUTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := zr.Reset(f); err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil || n != size {
			b.Fatalf("decompressed %d bytes, %v; want %d", n, err, size)
		}
		f.Close()
	}
	reportCPU(b, cpu)
}

// reportCPU reports the CPU time per iteration, steadier than the wall time
// on a machine shared with other work.
func reportCPU(b *testing.B, cpu testdata.CPUTimer) {
	if d, ok := cpu.Stop(); ok {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// textSize returns the decompressed size of the gzip file at path.
func textSize(b *testing.B, path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		b.Fatal(err)
	}
	return n
}
