package vm

import (
	"os"
	"testing"
)

// TestDisassemble prints a program's bytecode: NANOTICK_DIS=file.js go test -run TestDisassemble ./vm
func TestDisassemble(t *testing.T) {
	f := os.Getenv("NANOTICK_DIS")
	if f == "" {
		t.Skip("set NANOTICK_DIS")
	}
	src, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(f, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + p.Disassemble())
}
