package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a config file: where it is, which key it concerns, and what is
// wrong. Line and Col are 1-based; zero means the position is unknown (for example a
// required table that is missing altogether).
type Error struct {
	File string
	Line int
	Col  int
	// Key is the dotted path of the offending key, such as "risk.max_order_qty" or
	// "instrument[0].tick_size"; it is empty for syntax errors.
	Key string
	// Msg is the full message without the position prefix; it names Key itself.
	Msg string
}

// Error formats the error as "file:line:col: message", dropping the parts of the position
// that are unknown.
func (e *Error) Error() string {
	return location(e.File, e.Line, e.Col) + ": " + e.Msg
}

// location formats a file position the way compilers do, so editors can jump to it.
func location(file string, line, col int) string {
	if file == "" {
		file = "<config>"
	}
	switch {
	case line > 0 && col > 0:
		return fmt.Sprintf("%s:%d:%d", file, line, col)
	case line > 0:
		return fmt.Sprintf("%s:%d", file, line)
	}
	return file
}

// ErrorList is every problem found in one config file, in file order. Parse returns all
// of them at once so that a user fixes a config in one round trip, not one per error.
type ErrorList []*Error

// Error joins the errors one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sortErrors orders errors by position; errors without a position go last, since they
// concern the file as a whole.
func sortErrors(l []*Error) {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// sortWarnings orders warnings like sortErrors orders errors.
func sortWarnings(l []Warning) {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Warning is something legal but probably not intended, such as an admin endpoint
// listening beyond loopback. Warnings never stop the engine; "config check" prints them.
type Warning struct {
	File string
	Line int
	Col  int
	Key  string
	Msg  string
}

// String formats the warning like an Error, with "warning: " before the message.
func (w Warning) String() string {
	return location(w.File, w.Line, w.Col) + ": warning: " + w.Msg
}

// suggest returns the candidate closest to key by edit distance, or "" when none is close
// enough to be a plausible typo.
func suggest(key string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(key, c)
		if bestD < 0 || d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	limit := max(2, len(key)/3)
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes; keys are ASCII.
func editDistance(a, b string) int {
	// Keys longer than this are not typos of anything in the schema, and capping keeps a
	// hostile file from costing quadratic time.
	const maxLen = 64
	if len(a) > maxLen || len(b) > maxLen {
		return maxLen
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
