package tardis

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"

	"github.com/nanotick/nanotick/fixed"
)

// Decimals returns the most decimals among the prices and amounts of the first rows
// data rows of each file (any dataset): scales at which those rows are exact, for
// reading data whose instrument nobody described (inspect, book). A later row with
// more decimals is malformed at them, and counted as such. Files that cannot be read
// count for nothing here; reading them reports why.
func Decimals(paths []string, rows int) (price, qty fixed.Scale) {
	for _, p := range paths {
		ps, qs := decimalsOf(p, rows)
		price, qty = max(price, ps), max(qty, qs)
	}
	return min(price, fixed.MaxScale), min(qty, fixed.MaxScale)
}

func decimalsOf(path string, rows int) (price, qty fixed.Scale) {
	f, err := osOpen(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return 0, 0
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine*8)
	if !sc.Scan() {
		return 0, 0
	}
	snapshot := snapshotLevels(bytes.TrimSuffix(sc.Bytes(), []byte("\r"))) > 0
	for n := 0; n < rows && sc.Scan(); n++ {
		f := bytes.Split(bytes.TrimSuffix(sc.Bytes(), []byte("\r")), []byte(","))
		if !snapshot {
			if len(f) == 8 {
				price, qty = max(price, decimals(f[6])), max(qty, decimals(f[7]))
			}
			continue
		}
		for i := 4; i+1 < len(f); i += 2 {
			price, qty = max(price, decimals(f[i])), max(qty, decimals(f[i+1]))
		}
	}
	return price, qty
}

// decimals counts the digits after a number's point.
func decimals(num []byte) fixed.Scale {
	if i := bytes.IndexByte(num, '.'); i >= 0 {
		return fixed.Scale(min(len(num)-i-1, int(fixed.MaxScale)))
	}
	return 0
}
