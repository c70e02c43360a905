package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/nanotick/nanotick/backtest/sweep"
)

// reportProblems tells stderr of the points that did not test the strategy (a book
// never valid, nothing sent because of gaps: sweep.Metrics.Problems), as "nanotick
// backtest" does for its one run, and says whether that fails the command: it does
// unless allow. A sweep over data that holds no market for the strategy would
// otherwise rank rows of zeros and exit 0. Points that share a problem are named
// together, so that a grid of thousands prints a line per problem, not per point.
func reportProblems(stderr io.Writer, cmd string, rs []sweep.Result, allow bool) (failed bool) {
	var order []string
	points := map[string][]int{}
	for _, r := range rs {
		if r.Err != "" {
			continue
		}
		for _, p := range r.Problems {
			if points[p] == nil {
				order = append(order, p)
			}
			points[p] = append(points[p], r.Index)
		}
	}
	if len(order) == 0 {
		return false
	}
	verdict := "did not test the strategy"
	if allow {
		verdict += " (accepted: --allow-problems)"
	}
	for _, p := range order {
		fmt.Fprintf(stderr, "%s: %s %s: %s\n", cmd, pointList(points[p]), verdict, p)
	}
	if !allow {
		fmt.Fprintf(stderr, "%s: --allow-problems accepts such runs\n", cmd)
	}
	return !allow
}

// pointList writes "point 3" or "points 0, 1, 2" (at most ten, then how many more).
func pointList(idx []int) string {
	if len(idx) == 1 {
		return fmt.Sprintf("point %d", idx[0])
	}
	var b strings.Builder
	b.WriteString("points ")
	for i, n := range idx {
		if i == 10 {
			fmt.Fprintf(&b, " and %d more", len(idx)-10)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, n)
	}
	return b.String()
}
