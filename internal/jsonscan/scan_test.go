package jsonscan

import (
	"encoding/json"
	"errors"
	"testing"
)

// skipAll reads one value and requires the input to end after it (whitespace aside).
func skipAll(b []byte) error {
	s := Scanner{B: b}
	if err := s.Skip(); err != nil {
		return err
	}
	s.Space()
	if s.Pos != len(b) {
		return ErrTrailing
	}
	return nil
}

func TestSkip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{`{"a":[1,2.5e-3,"x\"y",true,false,null,{}],"b":{}}`, nil},
		{` [ ] `, nil},
		{`01`, ErrNumber},
		{`+1`, ErrSyntax},
		{`.5`, ErrSyntax},
		{`"a` + "\n" + `"`, ErrControl},
		{`"\x"`, ErrEscape},
		{`[1,2}`, ErrSyntax},
		{`{"a" 1}`, ErrSyntax},
		{`[`, ErrEOF},
		{`nul`, ErrSyntax},
		{`{} {}`, ErrTrailing},
	} {
		if err := skipAll([]byte(tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, err, tc.want)
		}
	}
	deep := make([]byte, 0, 200)
	for range 65 {
		deep = append(deep, '[')
	}
	if err := skipAll(deep); !errors.Is(err, ErrDeep) {
		t.Errorf("65 levels: %v", err)
	}
}

func TestIntegers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		u32  uint32
		e32  error
		u    int64
		eu   error
		ustr int64
	}{
		{"4294967295", 4294967295, nil, 4294967295, nil, 4294967295},
		{"4294967296", 0, ErrInteger32, 4294967296, nil, 4294967296},
		{"9223372036854775799", 0, ErrInteger32, 9223372036854775799, nil, 9223372036854775799}, // the largest Uint takes: it stops 9 short of 1<<63-1
		{"9223372036854775808", 0, ErrInteger32, 0, ErrOverflow, 0},
		{"1.5", 0, ErrInteger32, 0, ErrInteger, 0},
		{"-1", 0, ErrInteger32, 0, ErrInteger, 0},
	} {
		s := Scanner{B: []byte(tc.in)}
		if v, err := s.Uint32(); v != tc.u32 || !errors.Is(err, tc.e32) {
			t.Errorf("Uint32(%s) = %d, %v", tc.in, v, err)
		}
		s = Scanner{B: []byte(tc.in)}
		if v, err := s.Uint(); v != tc.u || !errors.Is(err, tc.eu) {
			t.Errorf("Uint(%s) = %d, %v", tc.in, v, err)
		}
		s = Scanner{B: []byte(`"` + tc.in + `"`)}
		if v, _ := s.UintOrString(); v != tc.ustr {
			t.Errorf("UintOrString(%q) = %d", tc.in, v)
		}
	}
}

// TestNoAllocations: reading a message allocates nothing.
func TestNoAllocations(t *testing.T) {
	msg := []byte(`{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.1}],"asks":[],"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}`)
	if n := testing.AllocsPerRun(1000, func() {
		if err := skipAll(msg); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// FuzzScanner is the shared scanner's fuzz target: Skip over any input never panics,
// never reads past the input, and accepts exactly what encoding/json accepts as one
// value nested at most 64 deep.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.10000000}],"asks":[],"checksum":3310070434}]}`,
		`{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT","b":[["30247.20","30.028"]],"a":[],"u":177400507,"seq":66544703342},"cts":1687940967464}`,
		`{"success":true,"ret_msg":"","conn_id":"x","req_id":null,"op":"subscribe"}`,
		`[1,-0.5e+10,"\u00e9\n",true,false,null]`,
		`01`, `"\x"`, `[1,]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := skipAll(b)
		if errors.Is(err, ErrDeep) {
			return
		}
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("%q: Skip says %v, encoding/json valid %v", b, err, valid)
		}
	})
}
