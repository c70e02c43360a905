package backtest

import (
	"errors"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

// mergeSrc is a Source over frames in memory, failing with err after them if set.
type mergeSrc struct {
	local  []int64
	frames [][]byte
	i      int
	err    error
}

func (s *mergeSrc) Next() (int64, []byte, error) {
	if s.i == len(s.local) {
		if s.err != nil {
			return 0, nil, s.err
		}
		return 0, nil, io.EOF
	}
	s.i++
	return s.local[s.i-1], s.frames[s.i-1], nil
}

type merged struct {
	local int64
	src   int
	frame string
}

func TestMergeOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		k := 1 + rng.IntN(5)
		srcs := make([]Source, k)
		var want []merged
		for i := range k {
			s := &mergeSrc{}
			n := rng.IntN(50)
			var tm int64
			for j := range n {
				tm += int64(rng.IntN(4)) // ties within and across sources
				f := strconv.Itoa(i) + "/" + strconv.Itoa(j)
				s.local = append(s.local, tm)
				s.frames = append(s.frames, []byte(f))
				want = append(want, merged{tm, i, f})
			}
			srcs[i] = s
		}
		sort.SliceStable(want, func(a, b int) bool {
			return want[a].local < want[b].local || want[a].local == want[b].local && want[a].src < want[b].src
		})
		m := Merge(srcs...)
		var got []merged
		for {
			l, f, err := m.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, merged{l, m.Which(), string(f)})
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d frames, want %d", round, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("round %d: frame %d is %+v, want %+v", round, i, got[i], want[i])
			}
		}
		if _, _, err := m.Next(); err != io.EOF {
			t.Fatalf("after the end: %v", err)
		}
	}
}

func TestMergeError(t *testing.T) {
	bad := errors.New("disk on fire")
	a := &mergeSrc{local: []int64{1, 5}, frames: [][]byte{[]byte("a1"), []byte("a5")}}
	b := &mergeSrc{local: []int64{2}, frames: [][]byte{[]byte("b2")}, err: bad}
	m := Merge(a, b)
	for _, want := range []string{"a1", "b2"} {
		_, f, err := m.Next()
		if err != nil || string(f) != want {
			t.Fatalf("got %q, %v; want %q", f, err, want)
		}
	}
	if _, _, err := m.Next(); !errors.Is(err, bad) || err.Error() != "source 2: disk on fire" {
		t.Fatalf("error %v", err)
	}
	if _, _, err := m.Next(); !errors.Is(err, bad) {
		t.Fatalf("error not sticky: %v", err)
	}
}

// cycleSource returns the same frame forever, at rising times.
type cycleSource struct {
	t, step int64
	frame   []byte
}

func (c *cycleSource) Next() (int64, []byte, error) {
	c.t += c.step
	return c.t, c.frame, nil
}

func TestMergeAllocatesNothing(t *testing.T) {
	m := Merge(&cycleSource{step: 3, frame: []byte("x")}, &cycleSource{step: 5, frame: []byte("y")}, &cycleSource{step: 7, frame: []byte("z")})
	m.Next()
	if n := testing.AllocsPerRun(1000, func() { m.Next() }); n != 0 {
		t.Errorf("Next allocates %v times", n)
	}
}
