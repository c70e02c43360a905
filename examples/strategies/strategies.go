// Package strategies embeds the example strategy scripts, so that the binary can run the
// example market maker with no files beside it (the "builtin:" strategies of a config,
// and nanotick run with no arguments).
package strategies

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.js
var scripts embed.FS

// Script returns the source of the builtin strategy name ("market_maker" for
// market_maker.js) and the file name to report errors against.
func Script(name string) (filename string, src []byte, err error) {
	filename = name + ".js"
	src, err = scripts.ReadFile(filename)
	if err != nil {
		return "", nil, fmt.Errorf("no builtin strategy %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return "builtin:" + filename, src, nil
}

// Names lists the builtin strategies.
func Names() []string {
	entries, _ := fs.Glob(scripts, "*.js")
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strings.TrimSuffix(e, ".js")
	}
	sort.Strings(names)
	return names
}
