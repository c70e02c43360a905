// Package config owns nanotick's configuration file: its schema, its defaults, and the
// validation that turns a TOML file into a Config the engine can trust.
//
// Parsing is strict because the users run real money: an unknown key, a value of the
// wrong type, a float where money is expected, a secret written inline or a missing risk
// limit is an error naming the key and its line, never a silent default. Parse reports
// every problem in one ErrorList so that a config is fixed in one round trip.
//
// Money and quantities are decimal strings ("0.01") parsed once, here, into
// decimal.Decimal; durations are Go duration strings ("250ms").
//
// The package parses once, at start-up. It must never touch the network, never run on
// the hot path, and never read secrets: the config names where the engine finds them
// (an environment variable, a file) and nothing more. The only I/O it does is reading the
// config file and checking that the files it names exist.
package config
