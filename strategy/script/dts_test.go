package script_test

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/nanotick/nanotick/strategy/script"
)

// declarations reads strategy/nanotick.d.ts: the names it declares (functions, constants,
// "namespace.function") and the fields of each interface.
func declarations(t *testing.T) (names []string, fields map[string][]string) {
	src, err := os.ReadFile("../nanotick.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	var (
		topFunc   = regexp.MustCompile(`^declare function (\w+)\(`)
		topConst  = regexp.MustCompile(`^declare const (\w+):`)
		namespace = regexp.MustCompile(`^declare namespace (\w+) \{`)
		member    = regexp.MustCompile(`^\s+function (\w+)\(`)
		iface     = regexp.MustCompile(`^interface (\w+) \{`)
		field     = regexp.MustCompile(`^\s+(\w+): `)
		handleNS  = regexp.MustCompile(`^\s+readonly (\w+): (Instrument\w+);`)
		method    = regexp.MustCompile(`^\s+(\w+)\(`)
	)
	// The handle namespaces: Instrument's fields name them, and each's interface lists
	// its methods, registered as "Instrument.ns.method".
	nsOf := map[string]string{}
	methods := map[string][]string{}
	fields = map[string][]string{}
	var ns, in string
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "}"):
			ns, in = "", ""
		case topFunc.MatchString(line):
			names = append(names, topFunc.FindStringSubmatch(line)[1])
		case topConst.MatchString(line):
			names = append(names, topConst.FindStringSubmatch(line)[1])
		case namespace.MatchString(line):
			ns = namespace.FindStringSubmatch(line)[1]
		case iface.MatchString(line):
			in = iface.FindStringSubmatch(line)[1]
		case ns != "" && member.MatchString(line):
			names = append(names, ns+"."+member.FindStringSubmatch(line)[1])
		case in == "Instrument" && handleNS.MatchString(line):
			m := handleNS.FindStringSubmatch(line)
			nsOf[m[2]] = m[1]
		case in != "" && field.MatchString(line):
			fields[in] = append(fields[in], field.FindStringSubmatch(line)[1])
		case in != "" && method.MatchString(line):
			methods[in] = append(methods[in], method.FindStringSubmatch(line)[1])
		}
	}
	for iface, ns := range nsOf {
		for _, m := range methods[iface] {
			names = append(names, "Instrument."+ns+"."+m)
		}
	}
	sort.Strings(names)
	return names, fields
}

// TestDeclarationsMatchHost keeps nanotick.d.ts in step with the registered script API.
func TestDeclarationsMatchHost(t *testing.T) {
	declared, fields := declarations(t)
	api := script.DescribeAPI()
	if len(api.Names) < 40 {
		t.Fatalf("only %d host names registered: the description is broken", len(api.Names))
	}
	for _, n := range api.Names {
		if _, found := slices.BinarySearch(declared, n); !found {
			t.Errorf("%s is registered but not declared in nanotick.d.ts", n)
		}
	}
	for _, n := range declared {
		if _, found := slices.BinarySearch(api.Names, n); !found {
			t.Errorf("%s is declared in nanotick.d.ts but not registered", n)
		}
	}
	for iface, keys := range map[string][]string{"Trade": api.TradeKeys, "Fill": api.FillKeys, "OrderUpdate": api.UpdateKeys} {
		if !slices.Equal(fields[iface], keys) {
			t.Errorf("interface %s declares %v, the engine passes %v", iface, fields[iface], keys)
		}
	}
}
