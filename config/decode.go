package config

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// decoder walks the generic map go-toml decoded and fills a Config, collecting every
// error and warning instead of stopping at the first.
type decoder struct {
	opts  Options
	file  string
	dir   string // directory relative paths in the file are resolved against
	pos   positions
	errs  []*Error
	warns []Warning
	// badScale holds the venue:symbol of instruments whose decimals are invalid, so that
	// checks at those scales are skipped rather than reported against a wrong scale.
	badScale map[string]bool
	// brokenInstrument is set when an instrument was too broken to be declared, so that
	// strategies referring to it are not reported as referring to nothing.
	brokenInstrument bool
	// instRisk are the [instrument.risk] tables, decoded after [risk].
	instRisk []pendingRisk
}

// at returns the position of path, or of its nearest ancestor that has one, so that an
// error about a missing key can at least point at its table's header.
func (d *decoder) at(path string) pos {
	for p := path; p != ""; {
		if at, ok := d.pos[p]; ok {
			return at
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return pos{}
}

// errorf records an error about the key at path; the message is prefixed with the path.
func (d *decoder) errorf(path, format string, args ...any) {
	at := d.at(path)
	d.errs = append(d.errs, &Error{File: d.file, Line: at.Line, Col: at.Col, Key: path,
		Msg: path + ": " + fmt.Sprintf(format, args...)})
}

// warnf records a warning about the key at path.
func (d *decoder) warnf(path, format string, args ...any) {
	at := d.at(path)
	d.warns = append(d.warns, Warning{File: d.file, Line: at.Line, Col: at.Col, Key: path,
		Msg: path + ": " + fmt.Sprintf(format, args...)})
}

// table is one TOML table being decoded. Every accessor records the key it asks for, so
// that done can report the keys nobody asked for as unknown, with a suggestion drawn from
// the keys that are known.
type table struct {
	d     *decoder
	path  string
	m     map[string]any
	known []string
}

// table returns the table at key inside t, or nil if it is absent or not a table (which
// is reported).
func (t *table) table(key string) *table {
	v, ok := t.get(key)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.d.errorf(t.child(key), "must be a table, got %s", describe(v))
		return nil
	}
	return &table{d: t.d, path: t.child(key), m: m}
}

// tables returns the array of tables at key ("[[key]]"), or nil if absent.
func (t *table) tables(key string) []*table {
	v, ok := t.get(key)
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case []map[string]any:
		out := make([]*table, len(v))
		for i, m := range v {
			out[i] = &table{d: t.d, path: fmt.Sprintf("%s[%d]", t.child(key), i), m: m}
		}
		return out
	case []any:
		out := make([]*table, 0, len(v))
		for i, e := range v {
			p := fmt.Sprintf("%s[%d]", t.child(key), i)
			m, ok := e.(map[string]any)
			if !ok {
				t.d.errorf(p, "must be a table, got %s", describe(e))
				continue
			}
			out = append(out, &table{d: t.d, path: p, m: m})
		}
		return out
	case map[string]any:
		t.d.errorf(t.child(key), "must be an array of tables: write [[%s]], not [%s]", key, key)
		return nil
	}
	t.d.errorf(t.child(key), "must be an array of tables ([[%s]]), got %s", key, describe(v))
	return nil
}

func (t *table) child(key string) string {
	return joinPath(t.path, key)
}

// get returns the raw value of key and marks the key as known.
func (t *table) get(key string) (any, bool) {
	t.known = append(t.known, key)
	v, ok := t.m[key]
	return v, ok
}

// has reports whether key is present, without marking it known.
func (t *table) has(key string) bool {
	_, ok := t.m[key]
	return ok
}

// done reports every key in t that no accessor asked for.
func (t *table) done() {
	keys := make([]string, 0, len(t.m))
	for k := range t.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if contains(t.known, k) {
			continue
		}
		p := t.child(k)
		at := t.d.at(p)
		msg := fmt.Sprintf("unknown key %q", p)
		if s := suggest(k, t.known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		t.d.errs = append(t.d.errs, &Error{File: t.d.file, Line: at.Line, Col: at.Col, Key: p, Msg: msg})
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// required records an error if key is absent and reports whether it is present.
func (t *table) required(key, why string) bool {
	if t.has(key) {
		return true
	}
	t.known = append(t.known, key)
	if why != "" {
		why = " (" + why + ")"
	}
	t.d.errorf(t.child(key), "required%s", why)
	return false
}

// str returns the string at key, or def if absent.
func (t *table) str(key, def string) string {
	v, ok := t.get(key)
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		t.d.errorf(t.child(key), "must be a string, got %s", describe(v))
		return def
	}
	return s
}

// text returns the non-blank string at key; ok is false when it is absent, not a string
// or blank, the latter two being reported once.
func (t *table) text(key string) (string, bool) {
	if !t.has(key) {
		t.known = append(t.known, key)
		return "", false
	}
	s := t.str(key, "\x00")
	if s == "\x00" {
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		t.d.errorf(t.child(key), "must not be empty")
		return "", false
	}
	return s, true
}

// enum returns the string at key, which must be one of allowed, or def if absent.
func (t *table) enum(key, def string, allowed ...string) string {
	if !t.has(key) {
		t.known = append(t.known, key)
		return def
	}
	s := t.str(key, "\x00")
	if s == "\x00" {
		return def
	}
	if !contains(allowed, s) {
		t.d.errorf(t.child(key), "must be one of %s, got %q", strings.Join(allowed, "|"), s)
		return def
	}
	return s
}

// plainDecimal reports whether s has the only decimal syntax accepted,
// ^-?[0-9]+(\.[0-9]+)?$: no exponents, no signs other than a leading minus, no
// thousands separators; what a human would write on an order ticket. It is a loop, not
// a regexp compiled at package initialisation, which every nanotick command would pay.
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	return allDigits(whole) && (!dot || allDigits(frac))
}

// allDigits reports whether s is one or more ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// maxDecimalLen bounds decimal strings; nothing a venue trades needs more digits.
const maxDecimalLen = 40

// dec returns the decimal string at key. ok is false when the key is absent or invalid.
// Floats are refused because a TOML float is binary: "0.1" survives, 0.1 does not.
func (t *table) dec(key string) (decimal.Decimal, bool) {
	v, ok := t.get(key)
	if !ok {
		return decimal.Decimal{}, false
	}
	p := t.child(key)
	switch v := v.(type) {
	case string:
		if len(v) > maxDecimalLen || !plainDecimal(v) {
			t.d.errorf(p, "must be a decimal string like \"0.01\", got %q", truncate(v))
			return decimal.Decimal{}, false
		}
		x, err := decimal.NewFromString(v)
		if err != nil {
			t.d.errorf(p, "invalid decimal %q: %v", truncate(v), err)
			return decimal.Decimal{}, false
		}
		return x, true
	case float64:
		t.d.errorf(p, "must be a quoted decimal string, not a float (TOML floats are binary and lose exactness): write %s = %q", key, formatFloat(v))
	case int64:
		t.d.errorf(p, "must be a quoted decimal string: write %s = \"%d\"", key, v)
	default:
		t.d.errorf(p, "must be a quoted decimal string like \"0.01\", got %s", describe(v))
	}
	return decimal.Decimal{}, false
}

// positiveDec is dec that also requires the value to be greater than zero.
func (t *table) positiveDec(key string) (decimal.Decimal, bool) {
	x, ok := t.dec(key)
	if ok && !x.IsPositive() {
		t.d.errorf(t.child(key), "must be positive, got %q", x.String())
		return x, false
	}
	return x, ok
}

// exactNumber returns the number at key as an exact decimal. It accepts a TOML integer,
// a float (converted through its shortest decimal text, which is what was written for
// any literal of up to 15 significant digits) or a decimal string; ok is false when absent
// or invalid. It is for limits like basis points that people write as plain numbers.
func (t *table) exactNumber(key string) (decimal.Decimal, bool) {
	v, ok := t.get(key)
	if !ok {
		return decimal.Decimal{}, false
	}
	switch x := v.(type) {
	case int64:
		return decimal.NewFromInt(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.d.errorf(t.child(key), "must be a finite number, got %s", formatFloat(x))
			return decimal.Decimal{}, false
		}
		return decimal.NewFromFloat(x), true
	case string:
		return t.dec(key)
	}
	t.d.errorf(t.child(key), "must be a number, got %s", describe(v))
	return decimal.Decimal{}, false
}

// duration returns the Go duration string at key, or def if absent. Negative durations
// are refused: no setting in nanotick means anything by them.
func (t *table) duration(key string, def time.Duration) time.Duration {
	v, ok := t.get(key)
	if !ok {
		return def
	}
	p := t.child(key)
	s, ok := v.(string)
	if !ok {
		t.d.errorf(p, "must be a duration string like \"250ms\", got %s", describe(v))
		return def
	}
	x, err := time.ParseDuration(s)
	if err != nil {
		t.d.errorf(p, "must be a duration like \"250ms\" or \"1s\", got %q", truncate(s))
		return def
	}
	if x < 0 {
		t.d.errorf(p, "must not be negative, got %q", s)
		return def
	}
	return x
}

// integer returns the integer at key, or def if absent.
func (t *table) integer(key string, def int64) int64 {
	v, ok := t.get(key)
	if !ok {
		return def
	}
	i, ok := v.(int64)
	if !ok {
		t.d.errorf(t.child(key), "must be an integer, got %s", describe(v))
		return def
	}
	return i
}

// number returns the integer or float at key as a float64, or def if absent.
func (t *table) number(key string, def float64) float64 {
	v, ok := t.get(key)
	if !ok {
		return def
	}
	x, ok := toNumber(v)
	if !ok {
		t.d.errorf(t.child(key), "must be a number, got %s", describe(v))
		return def
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		t.d.errorf(t.child(key), "must be a finite number, got %s", formatFloat(x))
		return def
	}
	return x
}

// toNumber converts a TOML integer or float to float64. Integers beyond 2^53 would be
// rounded, so they are refused rather than silently changed.
func toNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		if v > 1<<53 || v < -(1<<53) {
			return 0, false
		}
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// boolean returns the bool at key, or def if absent.
func (t *table) boolean(key string, def bool) bool {
	v, ok := t.get(key)
	if !ok {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		t.d.errorf(t.child(key), "must be true or false, got %s", describe(v))
		return def
	}
	return b
}

// array returns the elements of the array at key; ok is false if absent or not an array.
func (t *table) array(key string) ([]any, bool) {
	v, ok := t.get(key)
	if !ok {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		t.d.errorf(t.child(key), "must be an array, got %s", describe(v))
		return nil, false
	}
	return a, true
}

// describe names a decoded TOML value for an error message, with the value when short.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return "string " + strconv.Quote(truncate(v))
	case int64:
		return "integer " + strconv.FormatInt(v, 10)
	case float64:
		return "float " + formatFloat(v)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	case nil:
		return "nothing"
	}
	return "date/time" // the only other kinds TOML has
}

func formatFloat(x float64) string {
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// truncate shortens a value echoed in an error, so a pasted blob does not flood the
// terminal.
func truncate(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
