package kraken

import "github.com/nanotick/nanotick/internal/jsonscan"

// scanner is the JSON scanner every venue decoder shares (internal/jsonscan, with
// its one fuzz target); Kraken's decoder drives it.
type scanner = jsonscan.Scanner

// The scanner's errors, by the names this package's decoder and tests use.
var (
	errEOF       = jsonscan.ErrEOF
	errSyntax    = jsonscan.ErrSyntax
	errString    = jsonscan.ErrString
	errNumber    = jsonscan.ErrNumber
	errInteger   = jsonscan.ErrInteger32
	errBool      = jsonscan.ErrBool
	errEscape    = jsonscan.ErrEscape
	errControl   = jsonscan.ErrControl
	errDeep      = jsonscan.ErrDeep
	errTrailing  = jsonscan.ErrTrailing
	errObject    = jsonscan.ErrObject
	errArray     = jsonscan.ErrArray
	errDuplicate = jsonscan.ErrDuplicate
)

func isDigit(c byte) bool { return jsonscan.IsDigit(c) }
