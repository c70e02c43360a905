package admin

import (
	"math"
	"strconv"
)

// textContentType is the Content-Type of the Prometheus text exposition format, version
// 0.0.4, as the Prometheus client library sent it. "escaping=underscores" says how a
// name outside the legacy character set would have been escaped; every name here is in it.
const textContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// The metric types a family's TYPE line names.
const (
	typeCounter = "counter"
	typeGauge   = "gauge"
	typeSummary = "summary"
)

// textWriter appends metric families to a buffer in the Prometheus text exposition format,
// version 0.0.4: a HELP and a TYPE line per family, then one line per sample, label values
// quoted and escaped as the format says (a backslash, a double quote and a line feed
// become \\, \" and \n; in HELP text, only the backslash and the line feed are escaped).
// Values are written as the Prometheus client library writes them, so a scrape reads the
// same as before it was replaced.
type textWriter struct {
	b       []byte
	samples int // samples written so far: a family with none is taken back out
}

// header writes a family's HELP and TYPE lines.
func (w *textWriter) header(name, help, typ string) {
	w.b = append(w.b, "# HELP "...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = appendEscaped(w.b, help, false)
	w.b = append(w.b, "\n# TYPE "...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, typ...)
	w.b = append(w.b, '\n')
}

// sample writes one sample line: name, the labels (name, value pairs), the value.
func (w *textWriter) sample(name string, v float64, labels ...string) {
	w.line(name, "", labels, "", v)
}

// summary writes one summary: a sample per quantile (quantiles are the label values, in
// the format's float notation, in the order of values), then name_sum and name_count.
func (w *textWriter) summary(name string, labels, quantiles []string, values []float64, sum float64, count uint64) {
	for i, q := range quantiles {
		w.line(name, "", labels, q, values[i])
	}
	w.line(name, "_sum", labels, "", sum)
	w.line(name, "_count", labels, "", float64(count))
}

// line writes name and suffix, the labels, a quantile label after them unless quantile is
// empty (the Prometheus client library puts it last), and the value.
func (w *textWriter) line(name, suffix string, labels []string, quantile string, v float64) {
	w.samples++
	w.b = append(w.b, name...)
	w.b = append(w.b, suffix...)
	if len(labels) > 0 || quantile != "" {
		w.b = append(w.b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendLabel(w.b, labels[i], labels[i+1])
		}
		if quantile != "" {
			if len(labels) > 0 {
				w.b = append(w.b, ',')
			}
			w.b = appendLabel(w.b, "quantile", quantile)
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ' ')
	w.b = appendFloat(w.b, v)
	w.b = append(w.b, '\n')
}

func appendLabel(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, `="`...)
	b = appendEscaped(b, value, true)
	return append(b, '"')
}

// formatFloat is appendFloat to a string, for label values such as quantiles.
func formatFloat(v float64) string { return string(appendFloat(nil, v)) }

// appendEscaped appends s escaped for a HELP line (quote false) or a label value (true).
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat appends v as the Prometheus client library writes it: the shortest
// representation that reads back as v ('g' format), "0" for either zero, "+Inf", "-Inf"
// or "NaN".
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 0:
		return append(b, '0') // not "-0"
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, +1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
