package vm

import (
	"strconv"
	"strings"
	"testing"
)

// BenchmarkCompileFlat compiles a flat sum of n terms (a * i + ...), the input that took
// quadratic time in the resolver and the constant table: time per op should grow in
// proportion to n.
func BenchmarkCompileFlat(b *testing.B) {
	for _, n := range []int{5000, 40000, 200000} {
		var sb strings.Builder
		sb.WriteString("let a = 1;\nlet x = ")
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(" + ")
			}
			sb.WriteString(`a * ` + strconv.Itoa(i) + ` + "s` + strconv.Itoa(i) + `"`)
		}
		sb.WriteString(";\n")
		src := []byte(sb.String())
		b.Run("terms="+strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Compile("flat.js", src, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
