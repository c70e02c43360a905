package backtest

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nanotick/nanotick/fixed"
	"github.com/nanotick/nanotick/telemetry"
)

// Report is everything a backtest measured. Apart from Timing, it is a function of
// the inputs alone: the same data, strategy and settings give the same Report, and
// WriteJSON writes the same bytes. Money is in decimal, in the quote currency.
type Report struct {
	Strategy string   `json:"strategy"`
	Symbol   string   `json:"symbol"`
	Venue    string   `json:"venue"`
	Data     []string `json:"data"`
	Start    string   `json:"start"` // first event, data time, UTC
	End      string   `json:"end"`   // last event, data time, UTC
	Duration string   `json:"duration"`
	Halted   string   `json:"halted,omitempty"`    // why the strategy was halted, if it was
	HaltedAt string   `json:"halted_at,omitempty"` // when: the data time of the event it halted in, UTC
	// Ended is how a live run (nanotick run --json) ended: "duration" (--duration
	// reached), "signal" (SIGINT or SIGTERM) or "error". A backtest ends with its data
	// and leaves it out.
	Ended string `json:"ended,omitempty"`
	// Problems say why the run did not test the strategy: a book that was never valid,
	// no order sent while the book had gaps. A command treats a run with problems as
	// failed unless told to allow them.
	Problems []string `json:"problems,omitempty"`
	// DataError is the error the data ended in (a cut or corrupt file), if it did: the
	// report is then that of every record before it, and the run returned the error.
	DataError string `json:"data_error,omitempty"`

	Settings Settings `json:"settings"`
	Result   Result   `json:"result"` // the total over the instruments
	Orders   Orders   `json:"orders"`
	Events   Events   `json:"events"`
	Feed     Feed     `json:"feed"`
	// Funding says how a perpetual's funding was charged and what it came to.
	Funding FundingReport `json:"funding"`
	Equity  []EquityPoint `json:"equity"`

	// Instruments are each instrument's part of Result, in the order of the data.
	Instruments []InstrumentResult `json:"instruments"`

	// Fills are every fill, in the order the exchange made them.
	Fills []FillRecord `json:"fills"`
	// MarkoutHorizons are the delays after each fill at which FillRecord.MidAfter is
	// read.
	MarkoutHorizons []string `json:"markout_horizons"`
	// OrderLog is every order the engine sent, in the order it sent them, when
	// Config.OrderLog asked for it (null otherwise).
	OrderLog []OrderRecord `json:"order_log"`
	// Quoting is how long the strategy had orders resting, and at the touch: the first
	// instrument's (each instrument's is in Instruments).
	Quoting Quoting `json:"quoting"`
	// Tearsheet is computed from the fields above (ComputeTearsheet).
	Tearsheet *Tearsheet `json:"tearsheet"`

	// Timing is wall-clock and depends on the machine: it is printed in the terminal
	// summary and never written to JSON.
	Timing Timing `json:"-"`

	priceScale fixed.Scale
}

// Settings echoes the models a run used.
type Settings struct {
	Latency        string          `json:"latency"`
	MakerFeeBps    float64         `json:"maker_fee_bps"`
	TakerFeeBps    float64         `json:"taker_fee_bps"`
	QueueModel     string          `json:"queue_model"`
	QueuePower     float64         `json:"queue_power"`
	PartialFills   bool            `json:"partial_fills"`
	InitialBalance decimal.Decimal `json:"initial_balance"`
	EquityInterval string          `json:"equity_interval"`
	MaxFeedLatency string          `json:"max_feed_latency"`
	MaxTimeJump    string          `json:"max_time_jump"`
	// Currency is set when the money is not in the first instrument's quote asset: an
	// inverse perpetual settles in its base coin ("BTC"); positions, volume and
	// turnover stay in its quote (USD).
	Currency string `json:"currency,omitempty"`
}

// Result is the money.
type Result struct {
	FinalEquity decimal.Decimal `json:"final_equity"`
	PnL         decimal.Decimal `json:"pnl"` // final equity − initial balance
	ReturnPct   decimal.Decimal `json:"return_pct"`
	Realized    decimal.Decimal `json:"realized"` // before fees
	Unrealized  decimal.Decimal `json:"unrealized"`
	Fees        decimal.Decimal `json:"fees"` // negative for net rebates
	// Funding is what a perpetual's funding added (negative: paid); PnL includes it.
	Funding     decimal.Decimal `json:"funding"`
	Position    decimal.Decimal `json:"position"`
	AvgEntry    decimal.Decimal `json:"avg_entry"`
	Mark        decimal.Decimal `json:"mark"` // the exchange book's mid at the end
	Turnover    decimal.Decimal `json:"turnover"`
	Volume      decimal.Decimal `json:"volume"`
	MakerVolume decimal.Decimal `json:"maker_volume"`
	// EnginePosition and EngineFees are what the engine's risk layer booked from the
	// fills it received. The position equals Position once every fill has arrived;
	// the fees are the exact Fees rounded once, half away from zero, to the price
	// scale (each fill's fee reaches the engine through the exchange's fee carry), or
	// for an inverse perpetual their value in USD.
	EnginePosition decimal.Decimal `json:"engine_position"`
	EngineFees     decimal.Decimal `json:"engine_fees"`
	TakerVolume    decimal.Decimal `json:"taker_volume"`
	// MaxDrawdown is the largest fall of the sampled equity from its running peak.
	MaxDrawdown    decimal.Decimal `json:"max_drawdown"`
	MaxDrawdownPct float64         `json:"max_drawdown_pct"`
	// Sharpe is the annualized Sharpe ratio of the daily returns of the equity curve,
	// reported (non-zero, present in JSON) only when there are at least
	// SharpeMinReturns of them; SharpeSamples is how many there were, and SharpeNote
	// says how it was computed or why it is not reported.
	Sharpe        float64 `json:"sharpe,omitempty"`
	SharpeSamples int     `json:"sharpe_samples"`
	SharpeNote    string  `json:"sharpe_note"`
}

// Orders counts the order path, on the engine's side (risk) and the exchange's.
type Orders struct {
	Sent            uint64        `json:"sent"` // passed risk and left for the exchange
	CancelsSent     uint64        `json:"cancels_sent"`
	SendFailures    uint64        `json:"send_failures"`
	RiskRejected    uint64        `json:"risk_rejected"`
	RiskRejections  []ReasonCount `json:"risk_rejections"`
	VenueRejections []ReasonCount `json:"venue_rejections"`
	Acks            uint64        `json:"acks"`
	Fills           uint64        `json:"fills"`
	MakerFills      uint64        `json:"maker_fills"`
	TakerFills      uint64        `json:"taker_fills"`
	Cancelled       uint64        `json:"cancelled"`
	Expired         uint64        `json:"expired"`          // IOC remainders
	CancelsTooLate  uint64        `json:"cancels_too_late"` // the order had filled or gone
	RestingAtEnd    int           `json:"resting_at_end"`
}

// Events counts what was replayed.
type Events struct {
	Frames            uint64 `json:"frames"`    // recorded frames read
	Malformed         uint64 `json:"malformed"` // recording lines that were not records
	Steps             uint64 `json:"steps"`     // events handled: each frame twice (exchange, strategy) plus order-path messages
	EngineMalformed   uint64 `json:"engine_malformed"`
	BookUpdates       uint64 `json:"book_updates"`
	Trades            uint64 `json:"trades"`
	StrategyErrors    uint64 `json:"strategy_errors"`
	EngineGaps        uint64 `json:"engine_gaps"`
	ExchangeMalformed uint64 `json:"exchange_malformed"`
	ExchangeGaps      uint64 `json:"exchange_gaps"`
}

// Feed describes the feed latency read from the recording.
type Feed struct {
	// ExchangeTime is the venue timestamp read as the exchange's time: E (event time)
	// or T (transaction time where the frame has one, E elsewhere), and
	// ClockOffsetMode how the clock offset was estimated: running_min or whole_file.
	ExchangeTime    string `json:"exchange_time"`
	ClockOffsetMode string `json:"clock_offset_mode"`
	// ClockOffsetNs is the smallest local receive time − exchange event time seen:
	// the clock offset plus the fastest frame's latency, which the model takes as 0.
	ClockOffsetNs  int64  `json:"clock_offset_ns"`
	FramesWithTime uint64 `json:"frames_with_time"`
	FramesWithout  uint64 `json:"frames_without_time"`
	ClockBackwards uint64 `json:"clock_backwards"` // frames whose local time went back, clamped
	LatencyClamped uint64 `json:"latency_clamped"` // frames whose latency exceeded the maximum
	LatencyMin     string `json:"latency_min"`
	LatencyMean    string `json:"latency_mean"`
	LatencyMax     string `json:"latency_max"`

	// TimeJumps counts frames whose receive time leapt ahead by more than MaxTimeJump
	// and came back: replayed at the previous frame's time. TimeGaps counts leaps the
	// next frame confirmed, kept as gaps in the data. BadEventTimes counts event times
	// too far ahead of the receive time to be real, ignored.
	TimeJumps     uint64 `json:"time_jumps"`
	TimeGaps      uint64 `json:"time_gaps"`
	BadEventTimes uint64 `json:"bad_event_times"`
}

// EquityPoint is one equity sample, at data time (Unix ns), marked at the exchange
// book's mid, with the position then.
type EquityPoint struct {
	Time     int64           `json:"t"`
	Equity   decimal.Decimal `json:"equity"`
	Position decimal.Decimal `json:"position"`
	Mid      decimal.Decimal `json:"mid"`
}

// FillRecord is one fill as the exchange made it, at exchange time (Unix ns; the
// strategy learns of it at Received, a response latency later). Fee is the exact fee.
type FillRecord struct {
	// Instrument is the fill's instrument, venue:SYMBOL, in a run of several.
	Instrument string `json:"instrument,omitempty"`

	Time    int64           `json:"t"`
	OrderID uint64          `json:"order"`
	Side    string          `json:"side"` // buy or sell
	Price   decimal.Decimal `json:"price"`
	Qty     decimal.Decimal `json:"qty"`
	Fee     decimal.Decimal `json:"fee"`
	Maker   bool            `json:"maker"`
	// Cause is why the exchange filled it: queue (the queue ahead traded away and
	// trades reached our place), trade_through (a trade printed through our price),
	// book_crossed (the book's other side moved to or through our price) or taker (the
	// order crossed the book on arrival).
	Cause string `json:"cause"`
	// QueueAheadAtPlace is the quantity the queue model put ahead of the order when it
	// joined its level, and QueueAheadAtFill its estimate just before the event that
	// filled it; both 0 for a taker fill.
	QueueAheadAtPlace decimal.Decimal `json:"queue_ahead_at_place"`
	QueueAheadAtFill  decimal.Decimal `json:"queue_ahead_at_fill"`
	Sent              int64           `json:"sent"`     // when the engine sent the order
	Received          int64           `json:"received"` // when the strategy learned of it
	// Mid is the exchange book's mid at the fill, and MidAfter the mid at each of the
	// report's MarkoutHorizons after it (null when the data ended first).
	Mid      decimal.NullDecimal   `json:"mid"`
	MidAfter []decimal.NullDecimal `json:"mid_after"`
}

// OrderRecord is one order the engine sent, with what became of it at the exchange.
// Times are Unix ns on the replay's clock; 0 means it did not happen.
type OrderRecord struct {
	// Instrument is the order's instrument, venue:SYMBOL, in a run of several.
	Instrument string `json:"instrument,omitempty"`

	ID       uint64          `json:"id"`
	Side     string          `json:"side"`
	Price    decimal.Decimal `json:"price"`
	Qty      decimal.Decimal `json:"qty"`
	Filled   decimal.Decimal `json:"filled"`
	PostOnly bool            `json:"post_only,omitempty"`
	IOC      bool            `json:"ioc,omitempty"`
	FOK      bool            `json:"fok,omitempty"`
	// ReduceOnly orders may only shrink the position.
	ReduceOnly bool `json:"reduce_only,omitempty"`
	// Modified counts the modifies that reached the order; Price and Qty are then its
	// last terms.
	Modified int   `json:"modified,omitempty"`
	Sent     int64 `json:"sent"`    // the engine sent it
	Arrived  int64 `json:"arrived"` // it reached the exchange
	Acked    int64 `json:"acked"`   // the ack reached the strategy
	Ended    int64 `json:"ended"`   // it filled, was cancelled, expired or was rejected
	// Status is in_flight, resting, filled, cancelled, expired or rejected, and Reason
	// the exchange's reason for a rejection.
	Status            string          `json:"status"`
	Reason            string          `json:"reason,omitempty"`
	QueueAheadAtPlace decimal.Decimal `json:"queue_ahead_at_place"`
}

// Quoting is how long, in ns of exchange time, the exchange's book was valid, and per
// side how long the strategy had an order resting and how long one was at the touch
// (at or better than the book's best price on its side).
type Quoting struct {
	BookValidNs  int64 `json:"book_valid_ns"`
	BidRestingNs int64 `json:"bid_resting_ns"`
	BidAtTouchNs int64 `json:"bid_at_touch_ns"`
	AskRestingNs int64 `json:"ask_resting_ns"`
	AskAtTouchNs int64 `json:"ask_at_touch_ns"`
}

// Timing is the run's wall-clock cost.
type Timing struct {
	Wall            time.Duration
	EventsPerSecond float64 // recorded frames per wall-clock second
	// Latency is a snapshot of the engine's stage histograms (decode, book, strategy,
	// risk, encode, tick-to-order), measured on this machine's clock.
	Latency *telemetry.Latency
}

// WriteJSON writes the report as indented JSON. The bytes depend only on the inputs.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// WriteSummary writes the human summary, wall-clock figures included.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	res, o := &r.Result, &r.Orders
	p("backtest %s on %s %s, %s to %s (%s)\n", r.Strategy, r.Venue, r.Symbol, r.Start, r.End, r.Duration)
	if r.Halted != "" {
		p("  STRATEGY HALTED at %s (data time): %s\n", r.HaltedAt, r.Halted)
	}
	for _, pr := range r.Problems {
		p("  PROBLEM: %s\n", pr)
	}
	if r.DataError != "" {
		p("  DATA ERROR: %s (this report covers the records before it)\n", r.DataError)
	}
	p("  models       latency %s; fees maker %g bps, taker %g bps; queue %s", r.Settings.Latency, r.Settings.MakerFeeBps, r.Settings.TakerFeeBps, r.Settings.QueueModel)
	if r.Settings.QueueModel == PowerLaw.String() {
		p(" (power %g)", r.Settings.QueuePower)
	}
	p("; partial fills %v\n", r.Settings.PartialFills)
	// Written as the sum it is: fees are paid (a net rebate is a negative fee), funding
	// received (a perpetual's payments are negative).
	f := &r.Funding
	d := int32(4) // decimals of money
	if r.Settings.Currency != "" {
		d = 8 // a coin's amounts are small
		p("  currency     %s: PnL, fees, funding and equity in %s; positions, volume and turnover in the contracts' quote value\n", r.Settings.Currency, r.Settings.Currency)
	}
	if f.Source != "none" || f.Note != "" {
		p("  PnL          %s (%s%%) = realized %s + unrealized %s - fees %s + funding %s\n", res.PnL.StringFixed(d), res.ReturnPct.StringFixed(4), res.Realized.StringFixed(d), res.Unrealized.StringFixed(d), res.Fees.StringFixed(d), res.Funding.StringFixed(d))
		p("  funding      %s from %s", f.Total.StringFixed(d), f.Source)
		if f.Payments > 0 {
			p(", %d payments", f.Payments)
		}
		if f.Note != "" {
			p(" (%s)", f.Note)
		}
		p("\n")
	} else {
		p("  PnL          %s (%s%%) = realized %s + unrealized %s - fees %s\n", res.PnL.StringFixed(d), res.ReturnPct.StringFixed(4), res.Realized.StringFixed(d), res.Unrealized.StringFixed(d), res.Fees.StringFixed(d))
	}
	p("  equity       %s from %s; max drawdown %s (%.4f%%)\n", res.FinalEquity.StringFixed(d), r.Settings.InitialBalance.String(), res.MaxDrawdown.StringFixed(d), res.MaxDrawdownPct)
	if res.Sharpe != 0 {
		p("  sharpe       %.3f over %d daily returns (%s)\n", res.Sharpe, res.SharpeSamples, res.SharpeNote)
	} else {
		p("  sharpe       %s\n", res.SharpeNote)
	}
	p("  position     %s at avg %s, mark %s\n", res.Position.String(), res.AvgEntry.String(), res.Mark.String())
	r.writeInstruments(&b)
	p("  fills        %d: %d maker, %d taker; volume %s (maker %s, taker %s); turnover %s\n", o.Fills, o.MakerFills, o.TakerFills, res.Volume.String(), res.MakerVolume.String(), res.TakerVolume.String(), res.Turnover.StringFixed(2))
	p("  orders       %d sent, %d acked, %d cancels sent, %d cancelled, %d IOC expired, %d cancels too late, %d resting at end\n", o.Sent, o.Acks, o.CancelsSent, o.Cancelled, o.Expired, o.CancelsTooLate, o.RestingAtEnd)
	p("  rejections   risk %s; exchange %s\n", reasons(o.RiskRejections), reasons(o.VenueRejections))
	undecoded := ""
	if r.Events.EngineMalformed > 0 {
		// Lines that were records, whose frame the feed could not decode: skipped and
		// counted, as live.
		undecoded = fmt.Sprintf(", %d frames that did not decode", r.Events.EngineMalformed)
	}
	p("  events       %d frames (%d malformed lines%s), %d book updates, %d trades, %d steps\n", r.Events.Frames, r.Events.Malformed, undecoded, r.Events.BookUpdates, r.Events.Trades, r.Events.Steps)
	p("  feed         latency min %s mean %s max %s after clock offset %s (exchange time from %s, offset %s)\n", r.Feed.LatencyMin, r.Feed.LatencyMean, r.Feed.LatencyMax, time.Duration(r.Feed.ClockOffsetNs), r.Feed.ExchangeTime, r.Feed.ClockOffsetMode)
	if f := &r.Feed; f.TimeJumps+f.TimeGaps+f.BadEventTimes+f.ClockBackwards > 0 {
		p("  clock        %d receive times leapt more than %s ahead and were replayed at the previous time; %d gaps kept; %d went backwards; %d event times ignored\n",
			f.TimeJumps, r.Settings.MaxTimeJump, f.TimeGaps, f.ClockBackwards, f.BadEventTimes)
	}
	wall := r.Timing.Wall.Round(time.Millisecond)
	if r.Timing.Wall < time.Second {
		wall = r.Timing.Wall.Round(100 * time.Microsecond) // a recording of minutes replays in milliseconds
	}
	p("  speed        %.0f events/s (%s wall)\n", r.Timing.EventsPerSecond, wall)
	_, err := io.WriteString(w, b.String())
	return err
}

// reasons formats rejection counts as "N (reason n, reason n)", or "0".
func reasons(rs []ReasonCount) string {
	var total uint64
	var b strings.Builder
	for i, rc := range rs {
		total += rc.Count
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", rc.Reason, rc.Count)
	}
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", total, b.String())
}
