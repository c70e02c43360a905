package main

import (
	"fmt"
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
