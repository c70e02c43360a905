package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nanotick/nanotick/config"
	"github.com/nanotick/nanotick/examples/strategies"
	"github.com/nanotick/nanotick/strategy"
	"github.com/nanotick/nanotick/strategy/script"
)

// loadStrategy builds the strategy a config describes: a Go strategy by name, a builtin
// script ("builtin:market_maker"), or a script file. budget is the instruction budget of
// one callback (0 keeps the VM's default).
func loadStrategy(s *config.Strategy, budget int64) (strategy.Strategy, error) {
	if s.Language == config.LanguageGo {
		mk, ok := goStrategies[s.GoName]
		if !ok {
			return nil, fmt.Errorf("strategy %q: no Go strategy named %q (have %s)", s.Name, s.GoName, strings.Join(goNames(), ", "))
		}
		return mk(), nil
	}
	opts := script.Options{Steps: budget}
	if name, ok := s.Builtin(); ok {
		filename, src, err := strategies.Script(name)
		if err != nil {
			return nil, fmt.Errorf("strategy %q: %w", s.Name, err)
		}
		return script.Compile(filename, src, opts)
	}
	return script.Load(s.File, opts)
}

// namedStrategy builds the strategy a command line names: a script file (ending in .js),
// a builtin script, or a Go strategy.
func namedStrategy(name string, budget int64) (strategy.Strategy, error) {
	opts := script.Options{Steps: budget}
	if strings.HasSuffix(name, ".js") {
		return script.Load(name, opts)
	}
	if slices.Contains(strategies.Names(), name) {
		filename, src, err := strategies.Script(name)
		if err != nil {
			return nil, err
		}
		return script.Compile(filename, src, opts)
	}
	if mk, ok := goStrategies[name]; ok {
		return mk(), nil
	}
	return nil, fmt.Errorf("unknown strategy %q (builtin scripts: %s; Go strategies: %s; or a .js file)",
		name, strings.Join(strategies.Names(), ", "), strings.Join(goNames(), ", "))
}

// defaultStrategy is what runs when nothing names a strategy: the example market maker,
// in JavaScript.
func defaultStrategy() strategy.Strategy {
	s, err := namedStrategy("market_maker", 0)
	if err != nil {
		panic(fmt.Sprintf("the embedded market maker does not compile: %v", err)) // a build defect, caught by every test
	}
	return s
}
