package instrument

import (
	"errors"
	"fmt"
	"strings"
)

// Index is an instrument's position in its Table: dense, from 0 to Len()-1, so that the
// tick path finds an instrument's book, risk and strategy state by indexing a slice.
// Index 0 is the default instrument, the one a strategy's forms without an instrument
// mean.
type Index uint16

// MaxInstruments bounds a Table: an engine serves one strategy's instruments, a handful.
const MaxInstruments = 64

// Table is the read-only set of instruments one engine trades. It is built once at
// start and never changes, so its Specs may be read from any goroutine.
type Table struct {
	specs []Spec
	byID  map[ID]Index
}

// NewTable validates specs and returns them as a table in the order given: specs[i]
// gets Index i. Duplicate names and invalid specs are errors.
func NewTable(specs ...Spec) (*Table, error) {
	if len(specs) == 0 {
		return nil, errors.New("instrument table: no instruments")
	}
	if len(specs) > MaxInstruments {
		return nil, fmt.Errorf("instrument table: %d instruments, at most %d", len(specs), MaxInstruments)
	}
	t := &Table{specs: append([]Spec(nil), specs...), byID: make(map[ID]Index, len(specs))}
	var errs []error
	for i := range t.specs {
		s := &t.specs[i]
		if s.MinQty == 0 {
			s.MinQty = s.Lot
		}
		if err := s.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := t.byID[s.ID]; dup {
			errs = append(errs, fmt.Errorf("instrument %s is listed twice", s.ID))
			continue
		}
		t.byID[s.ID] = Index(i)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("instrument table: %w", err)
	}
	return t, nil
}

// MustTable is NewTable for fixed, known-good specs (tests and built-in defaults); it
// panics on error.
func MustTable(specs ...Spec) *Table {
	t, err := NewTable(specs...)
	if err != nil {
		panic(err)
	}
	return t
}

// Len returns the number of instruments.
func (t *Table) Len() int { return len(t.specs) }

// At returns the spec of instrument i. The Spec is the table's: read it, never write
// it. i must be below Len.
func (t *Table) At(i Index) *Spec { return &t.specs[i] }

// Lookup returns the index of the instrument id.
func (t *Table) Lookup(id ID) (Index, bool) {
	i, ok := t.byID[id]
	return i, ok
}

// Find returns the index of the instrument named venue:SYMBOL. The error says what is
// wrong with the name, or lists the instruments the table has.
func (t *Table) Find(name string) (Index, error) {
	id, err := ParseID(name)
	if err != nil {
		return 0, err
	}
	if i, ok := t.byID[id]; ok {
		return i, nil
	}
	names := make([]string, len(t.specs))
	for i := range t.specs {
		names[i] = t.specs[i].ID.String()
	}
	return 0, fmt.Errorf("instrument %s is not configured (configured: %s)", id, strings.Join(names, ", "))
}

// Check compares each instrument with what its venue reports, as Spec.Diff does, and
// returns an error listing every difference, or nil. reported maps a name to the
// venue's description; an instrument the venue did not report is an error too, since
// trading it unchecked is what the check exists to prevent.
func (t *Table) Check(reported map[ID]Spec) error {
	var errs []error
	for i := range t.specs {
		s := &t.specs[i]
		v, ok := reported[s.ID]
		if !ok {
			errs = append(errs, fmt.Errorf("instrument %s: the venue does not list it", s.ID))
			continue
		}
		for _, d := range s.Diff(&v) {
			errs = append(errs, fmt.Errorf("instrument %s: %s", s.ID, d))
		}
	}
	return errors.Join(errs...)
}
