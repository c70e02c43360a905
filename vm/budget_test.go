package vm

import (
	"io"
	"strings"
	"testing"
)

// straightLine returns n statements that each do a little arithmetic on x.
func straightLine(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("x = x * 1.0000001 + 1;\n")
	}
	return b.String()
}

// TestBudgetChargesWork runs the worst cases for a budget counted per back-edge: each
// loop makes at most `passes` passes, so a budget charged only at back-edges and calls
// lets it finish; charged by work (instructions, elements, bytes), each must stop with
// the budget error, and well before its last pass. The passes made are read back from
// a global, so the test asserts how much ran, never how long it took.
func TestBudgetChargesWork(t *testing.T) {
	tests := []struct {
		name  string
		steps int64
		src   string
		// maxPasses bounds the passes the budget may allow: steps over the least work
		// one pass is charged.
		maxPasses int
	}{
		{"straight-line loop body", 100_000, `
let x = 0, passes = 0;
for (let p = 0; p < 1000; p++) {
` + straightLine(300) + `  passes++;
}`, 100_000 / 300},
		{"while (true) with a straight-line body", 100_000, `
let x = 0, passes = 0, p = 0;
while (true) {
  if (p++ === 1000) break;
` + straightLine(300) + `  passes++;
}`, 100_000 / 300},
		{"call of a straight-line function", 100_000, `
let x = 0, passes = 0;
function f() {
` + straightLine(300) + `}
for (let p = 0; p < 1000; p++) { f(); passes++; }`, 100_000 / 300},
		{"new Array(1000000) per pass", 10_000_000, `
let passes = 0;
for (let p = 0; p < 100; p++) { const a = new Array(1000000); passes++; }`, 10},
		{"array literal growing by push", 1_000_000, `
let passes = 0;
for (let p = 0; p < 100; p++) { const a = []; for (let i = 0; i < 20000; i++) a.push(i); passes++; }`, 50},
		{"string concatenation of a long string", 20_000_000, `
let s = "01234567", passes = 0;
while (s.length < 1000000) s = s + s;
for (let p = 0; p < 1000; p++) { const t = s + "x"; passes++; }`, 20_000_000 / (1 << 20 / 8)},
		{"array copies with slice", 3_000_000, `
const a = new Array(10000).fill(1);
let passes = 0;
for (let p = 0; p < 200; p++) { const b = a.slice(); passes++; }`, 3_000_000 / 20_000},
		{"join", 3_000_000, `
const a = new Array(10000).fill(12345678);
let passes = 0;
for (let p = 0; p < 200; p++) { const s = a.join(","); passes++; }`, 3_000_000 / 50_000},
		{"join of an array holding one array many times", 3_000_000, `
const a = new Array(10000).fill(1);
const b = new Array(100).fill(a);
let passes = 0;
for (let p = 0; p < 200; p++) { const s = b.join(","); passes++; }`, 3_000_000/1_000_000 + 1},
		{"console.log of JSON", 3_000_000, `
const a = new Array(10000).fill(12345678);
let passes = 0;
for (let p = 0; p < 200; p++) { console.log("%j", a); passes++; }`, 3_000_000 / 90_000},
		{"template literal of a long string", 20_000_000, `
let s = "01234567", passes = 0;
while (s.length < 1000000) s = s + s;
for (let p = 0; p < 1000; p++) { const t = ` + "`${s}!`" + `; passes++; }`, 20_000_000 / (1 << 20 / 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, tt.src, nil)
			m := p.NewMachineWith(Limits{Steps: tt.steps})
			m.SetOutput(io.Discard)
			err := m.Run()
			if err == nil || !strings.Contains(err.Error(), "instruction budget exceeded") {
				passes, _ := m.Global("passes")
				t.Fatalf("got %v after %v passes, want the budget error", err, passes)
			}
			passes, _ := m.Global("passes")
			// The budget is checked at the next back-edge after the charge: one more pass
			// may start.
			if n, _ := passes.Number(); n > float64(tt.maxPasses+1) {
				t.Errorf("%v passes ran on a budget of %d steps, want at most %d", n, tt.steps, tt.maxPasses+1)
			}
		})
	}
}

// TestBudgetNotOvercharged checks the other side: the charges are proportional to the
// work, so a loop that does little per pass gets about Steps / (its length) passes.
func TestBudgetNotOvercharged(t *testing.T) {
	p := mustCompile(t, `
let passes = 0, s = 0;
function f(i) { return i * 2; }
for (let i = 0; i < 1e9; i++) { s += f(i); passes++; }`, nil)
	m := p.NewMachineWith(Limits{Steps: 1_000_000})
	err := m.Run()
	if err == nil || !strings.Contains(err.Error(), "instruction budget exceeded") {
		t.Fatalf("got %v, want the budget error", err)
	}
	passes, _ := m.Global("passes")
	// One pass: the loop body (about 8 instructions) and the call of f (about 4).
	if n, _ := passes.Number(); n < 1_000_000/40 || n > 1_000_000/4 {
		t.Errorf("%v passes on 1,000,000 steps, want between 25,000 and 250,000", n)
	}
}
