package sweep

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/backtest"
)

// Metrics are the summary figures of one run that a sweep keeps.
type Metrics struct {
	PnL            decimal.Decimal `json:"pnl"`
	ReturnPct      decimal.Decimal `json:"return_pct"`
	MaxDrawdown    decimal.Decimal `json:"max_drawdown"`
	MaxDrawdownPct float64         `json:"max_drawdown_pct"`
	// Sharpe is the report's Sharpe ratio, nil (JSON null) where the report gives
	// none (too few daily returns: backtest.SharpeMinReturns): a point without one is
	// not a point with a ratio of zero, and ranks after every point with one.
	Sharpe     *float64        `json:"sharpe"`
	Fills      uint64          `json:"fills"`
	MakerFills uint64          `json:"maker_fills"`
	TakerFills uint64          `json:"taker_fills"`
	Volume     decimal.Decimal `json:"volume"`
	Fees       decimal.Decimal `json:"fees"`
	OrdersSent uint64          `json:"orders_sent"`
	Halted     string          `json:"halted,omitempty"`
	// Problems say why the run did not test the strategy (backtest.Report.Problems):
	// its metrics are then no measure of the point, and the sweep fails unless told
	// to accept such runs.
	Problems []string `json:"problems,omitempty"`
}

// MetricsOf extracts the metrics of a report. Non-finite ratios (which JSON cannot
// hold) become 0; a Sharpe ratio the report does not give (zero) is nil.
func MetricsOf(r *backtest.Report) Metrics {
	var sharpe *float64
	if v := fin(r.Result.Sharpe); v != 0 {
		sharpe = &v
	}
	return Metrics{
		PnL: r.Result.PnL, ReturnPct: r.Result.ReturnPct,
		MaxDrawdown: r.Result.MaxDrawdown, MaxDrawdownPct: fin(r.Result.MaxDrawdownPct),
		Sharpe: sharpe,
		Fills:  r.Orders.Fills, MakerFills: r.Orders.MakerFills, TakerFills: r.Orders.TakerFills,
		Volume: r.Result.Volume, Fees: r.Result.Fees, OrdersSent: r.Orders.Sent,
		Halted: r.Halted, Problems: r.Problems,
	}
}

// fin returns f, or 0 for a non-finite f.
func fin(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// Result is one grid point's outcome: one line of a shard file.
type Result struct {
	Grid     string             `json:"grid"`      // the grid's canonical spec (Grid.String)
	GridSize int                `json:"grid_size"` // its number of points
	Index    int                `json:"index"`     // the point's index in the grid
	Params   map[string]float64 `json:"params"`
	Metrics
	Err string `json:"error,omitempty"` // why the run failed; the metrics are then zero
	Provenance
}

// Provenance is what every point of one sweep shares and a merge must find equal in
// every shard: the settings the points ran with, and hashes of the data and of the
// strategy. Shards that differ in any of them answer different questions, and merging
// them would rank apples against oranges.
type Provenance struct {
	// Settings is the canonical JSON of everything but the swept parameters that decides
	// a run's result: venue, instrument and rules, risk limits, the strategy's fixed
	// parameters, fees, latency, queue model, balance, sampling (see cmd/nanotick).
	Settings json.RawMessage `json:"settings,omitempty"`
	// DataHash is "sha256:" and the hex SHA-256 of the data files' bytes, in order;
	// StrategyHash the same of the strategy's source (a Go strategy: of its name).
	DataHash     string `json:"data_hash,omitempty"`
	StrategyHash string `json:"strategy_hash,omitempty"`
	// Build is the SHA-256 of the nanotick executable that ran the points: two builds
	// may match or decode alike data differently, and an Indexed Job's retried pod may
	// pull another image of the same tag, so shards of two builds do not merge.
	Build string `json:"build,omitempty"`
	// Window is the part of the data the points ran on, when not all of it: a
	// walk-forward run's results cover only its test part, and must not be merged or
	// ranked with results over the whole data.
	Window string `json:"window,omitempty"`
}

// differs names the first field in which p and q differ, or returns "".
func (p *Provenance) differs(q *Provenance) string {
	switch {
	case !bytes.Equal(p.Settings, q.Settings):
		return "settings (" + settingsDiff(p.Settings, q.Settings) + ")"
	case p.DataHash != q.DataHash:
		return fmt.Sprintf("data (%s vs %s)", orNone(p.DataHash), orNone(q.DataHash))
	case p.StrategyHash != q.StrategyHash:
		return fmt.Sprintf("strategy (%s vs %s)", orNone(p.StrategyHash), orNone(q.StrategyHash))
	case p.Build != q.Build:
		return fmt.Sprintf("the nanotick build that ran them (%s vs %s)", orNone(p.Build), orNone(q.Build))
	case p.Window != q.Window:
		return fmt.Sprintf("the part of the data they ran on (%s vs %s)", orAll(p.Window), orAll(q.Window))
	}
	return ""
}

// settingsDiff names the settings in which a and b differ, with both values, so that
// a refused merge says what differs without printing two whole settings objects; it
// falls back to both objects when they are not both JSON objects.
func settingsDiff(a, b json.RawMessage) string {
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return fmt.Sprintf("%s vs %s", a, b)
	}
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		va, oka := ma[k]
		vb, okb := mb[k]
		if oka && okb && bytes.Equal(va, vb) {
			continue
		}
		show := func(v json.RawMessage, ok bool) string {
			if !ok {
				return "absent"
			}
			return string(v)
		}
		diffs = append(diffs, k+": "+show(va, oka)+" vs "+show(vb, okb))
	}
	if len(diffs) == 0 { // the same settings, encoded otherwise
		return fmt.Sprintf("%s vs %s", a, b)
	}
	return strings.Join(diffs, "; ")
}

func orAll(s string) string {
	if s == "" {
		return "all of it"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none given"
	}
	return s
}

// WriteResults writes rs as JSON lines, one per result, in the order given. The bytes
// depend only on the results (encoding/json sorts the params by name).
func WriteResults(w io.Writer, rs []Result) error {
	bw := bufio.NewWriter(w)
	for i := range rs {
		b, err := json.Marshal(&rs[i])
		if err != nil {
			return fmt.Errorf("sweep: result %d: %w", rs[i].Index, err)
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// maxLine bounds a shard file's line.
const maxLine = 1 << 20

// ReadResults reads a shard file's JSON lines; name is used in errors, which give
// name:line. Blank lines are skipped.
func ReadResults(r io.Reader, name string) ([]Result, []int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var rs []Result
	var lines []int
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var res Result
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&res); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if res.Grid == "" || res.GridSize < 1 || res.Index < 0 || res.Index >= res.GridSize {
			return nil, nil, fmt.Errorf("%s:%d: not a sweep result (grid %q, size %d, index %d)", name, n, res.Grid, res.GridSize, res.Index)
		}
		rs = append(rs, res)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return rs, lines, nil
}

// Input is one shard file to merge.
type Input struct {
	Name string
	R    io.Reader
}

// Merge reads shard files and returns their results in grid order with the grid they
// came from. It fails, naming file and line, if the files mix grids, settings, data or
// strategies (Provenance), if a result's params are not its grid point's, if a point
// appears twice, or if points are missing (listing them).
func Merge(inputs []Input) (*Grid, []Result, error) {
	var g *Grid
	var spec string
	var prov *Provenance
	var provAt string
	var rs []Result
	where := map[int]string{}
	for _, in := range inputs {
		got, lines, err := ReadResults(in.R, in.Name)
		if err != nil {
			return nil, nil, fmt.Errorf("sweep: %w", err)
		}
		for k, res := range got {
			at := in.Name + ":" + strconv.Itoa(lines[k])
			if g == nil {
				if g, err = ParseGrid(strings.Fields(res.Grid)); err != nil {
					return nil, nil, fmt.Errorf("sweep: %s: grid %q: %w", at, res.Grid, err)
				}
				spec = res.Grid
				if g.Len() != res.GridSize {
					return nil, nil, fmt.Errorf("sweep: %s: grid %q has %d points, the line says %d", at, spec, g.Len(), res.GridSize)
				}
			}
			if res.Grid != spec || res.GridSize != g.Len() {
				return nil, nil, fmt.Errorf("sweep: %s: grid %q differs from %q of the first result", at, res.Grid, spec)
			}
			if prov == nil {
				prov, provAt = &got[k].Provenance, at
			} else if d := prov.differs(&res.Provenance); d != "" {
				return nil, nil, fmt.Errorf("sweep: refusing to merge shards of different runs: %s and %s differ in %s", provAt, at, d)
			}
			want := g.Point(res.Index)
			if !equalParams(want, res.Params) {
				return nil, nil, fmt.Errorf("sweep: %s: point %d has params %s, the grid says %s", at, res.Index, formatParams(g.Names(), res.Params), formatParams(g.Names(), want))
			}
			if prev, dup := where[res.Index]; dup {
				return nil, nil, fmt.Errorf("sweep: %s: duplicate grid point %d (%s), also at %s", at, res.Index, formatParams(g.Names(), want), prev)
			}
			where[res.Index] = at
			rs = append(rs, res)
		}
	}
	if g == nil {
		return nil, nil, errors.New("sweep: no results in the files")
	}
	if len(rs) != g.Len() {
		var missing []string
		for i := range g.Len() {
			if _, ok := where[i]; !ok {
				if len(missing) == 10 {
					missing = append(missing, "...")
					break
				}
				missing = append(missing, strconv.Itoa(i)+" ("+formatParams(g.Names(), g.Point(i))+")")
			}
		}
		return g, nil, fmt.Errorf("sweep: %d of %d grid points missing: %s", g.Len()-len(rs), g.Len(), strings.Join(missing, ", "))
	}
	slices.SortFunc(rs, func(a, b Result) int { return cmp.Compare(a.Index, b.Index) })
	return g, rs, nil
}

func equalParams(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// formatParams writes params as "a=1 b=2" in the order of names.
func formatParams(names []string, p map[string]float64) string {
	parts := make([]string, 0, len(names))
	for _, n := range names {
		if v, ok := p[n]; ok {
			parts = append(parts, n+"="+formatFloat(v))
		} else {
			parts = append(parts, n+"=?")
		}
	}
	return strings.Join(parts, " ")
}

// Metric is what a table is ranked by.
type Metric string

// The metrics a sweep ranks by. PnL, return, Sharpe and fills rank the largest
// first; drawdown ranks the smallest first.
const (
	ByPnL      Metric = "pnl"
	ByReturn   Metric = "return"
	BySharpe   Metric = "sharpe"
	ByDrawdown Metric = "drawdown"
	ByFills    Metric = "fills"
)

// metricNames lists the metric names.
var metricNames = []Metric{ByPnL, ByReturn, BySharpe, ByDrawdown, ByFills}

// ParseMetric checks a metric name.
func ParseMetric(s string) (Metric, error) {
	if slices.Contains(metricNames, Metric(s)) {
		return Metric(s), nil
	}
	names := make([]string, len(metricNames))
	for i, m := range metricNames {
		names[i] = string(m)
	}
	return "", fmt.Errorf("sweep: unknown metric %q (want one of %s)", s, strings.Join(names, ", "))
}

// compare orders a and b best first by m; failed runs come last.
func compare(a, b *Result, m Metric) int {
	if (a.Err != "") != (b.Err != "") {
		if a.Err != "" {
			return 1
		}
		return -1
	}
	var c int
	switch m {
	case ByPnL:
		c = b.PnL.Cmp(a.PnL)
	case ByReturn:
		c = b.ReturnPct.Cmp(a.ReturnPct)
	case BySharpe:
		c = cmp.Compare(sharpeRank(b.Sharpe), sharpeRank(a.Sharpe))
	case ByDrawdown:
		c = a.MaxDrawdown.Cmp(b.MaxDrawdown)
	case ByFills:
		c = cmp.Compare(b.Fills, a.Fills)
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

// sharpeRank is a Sharpe ratio to rank by: none ranks below every ratio.
func sharpeRank(s *float64) float64 {
	if s == nil {
		return math.Inf(-1)
	}
	return *s
}

// Sort ranks rs best first by m; ties keep grid order.
func Sort(rs []Result, m Metric) {
	slices.SortFunc(rs, func(a, b Result) int { return compare(&a, &b, m) })
}

// WriteTable writes rs, in the order given, as an aligned table with one column per
// parameter (in the order of names).
func WriteTable(w io.Writer, names []string, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := append([]string{"rank", "point"}, names...)
	hdr = append(hdr, "pnl", "return%", "sharpe", "max_dd", "max_dd%", "fills", "maker", "taker", "sent", "")
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	for k := range rs {
		r := &rs[k]
		row := []string{strconv.Itoa(k + 1), strconv.Itoa(r.Index)}
		for _, n := range names {
			row = append(row, formatFloat(r.Params[n]))
		}
		if r.Err != "" {
			row = append(row, "  error: "+strings.Join(strings.Fields(r.Err), " "))
			fmt.Fprintln(tw, strings.Join(row, "\t"))
			continue
		}
		row = append(row,
			r.PnL.StringFixed(4), r.ReturnPct.StringFixed(4),
			formatSharpe(r.Sharpe),
			r.MaxDrawdown.StringFixed(4), strconv.FormatFloat(r.MaxDrawdownPct, 'f', 4, 64),
			strconv.FormatUint(r.Fills, 10), strconv.FormatUint(r.MakerFills, 10), strconv.FormatUint(r.TakerFills, 10),
			strconv.FormatUint(r.OrdersSent, 10), r.Halted)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// formatSharpe writes a Sharpe ratio to three decimals, "-" where there is none.
func formatSharpe(s *float64) string {
	if s == nil {
		return "-"
	}
	return strconv.FormatFloat(*s, 'f', 3, 64)
}

// AnySharpe reports whether any of rs has a Sharpe ratio.
func AnySharpe(rs []Result) bool {
	for i := range rs {
		if rs[i].Sharpe != nil {
			return true
		}
	}
	return false
}
