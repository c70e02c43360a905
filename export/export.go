// Package export owns writing nanotick's data for research elsewhere (pandas, polars,
// DuckDB): a backtest report's fills, orders and equity curve, and a recording's book
// tops and trades, as Parquet or CSV tables.
//
// Each table is one file of flat rows with fixed columns, documented on its row type.
// Times are Unix nanoseconds (int64). Prices, quantities and money are DOUBLE columns
// (what dataframes want), written to CSV in the shortest form that reads back the same
// double, so a decimal of up to 15 significant digits (every price and quantity of the
// recordings, and the report's figures of that size) comes out as written; the
// report's JSON keeps every exact value. A value that is absent (a mid the book did
// not have) is an optional Parquet column left null, and an empty CSV cell. The output
// depends only on the inputs: the same report or recording gives byte-identical files.
//
// The package never runs a backtest and never changes a report; it reads recordings
// with the engine's own decoder, book sync and order book, so a recording's tops are
// the book the engine would have seen.
package export

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// Format is a table file format.
type Format string

// The formats Write can produce.
const (
	Parquet Format = "parquet"
	CSV     Format = "csv"
)

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Parquet, CSV:
		return Format(s), nil
	}
	return "", fmt.Errorf("export: unknown format %q (parquet, csv)", s)
}

// table is a sequence of rows of one struct type T, written to Parquet with
// parquet-go's schema from T's `parquet` tags, and to CSV with a header of the same
// names, each field formatted by csvCell.
func writeTable[T any](w io.Writer, f Format, rows []T) error {
	switch f {
	case Parquet:
		pw := parquet.NewGenericWriter[T](w, parquet.Compression(&parquet.Zstd))
		if len(rows) > 0 {
			if _, err := pw.Write(rows); err != nil {
				return fmt.Errorf("export: parquet: %w", err)
			}
		}
		if err := pw.Close(); err != nil {
			return fmt.Errorf("export: parquet: %w", err)
		}
		return nil
	case CSV:
		cw := csv.NewWriter(w)
		var zero T
		t := reflect.TypeOf(zero)
		head := make([]string, t.NumField())
		for i := range head {
			head[i] = columnName(t.Field(i))
		}
		if err := cw.Write(head); err != nil {
			return err
		}
		rec := make([]string, len(head))
		for _, r := range rows {
			v := reflect.ValueOf(r)
			for i := range rec {
				rec[i] = csvCell(v.Field(i), t.Field(i))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	return errors.New("export: no format")
}

func columnName(f reflect.StructField) string {
	tag := f.Tag.Get("parquet")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	if tag == "" {
		return f.Name
	}
	return tag
}

// csvCell formats one field; a float in the shortest form that reads back the same,
// without an exponent.
func csvCell(v reflect.Value, f reflect.StructField) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int64, reflect.Int32, reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return csvCell(v.Elem(), f)
	}
	return fmt.Sprint(v.Interface())
}
