package exchange

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SynthConfig sets the synthetic market's participants. Zero fields take
// the defaults, which give a BTCUSDT-like book hundreds of levels deep on
// each side, a few trades a second and an occasional sweep.
type SynthConfig struct {
	// MakerOrders is how many quotes the market makers keep on each side
	// (default 800).
	MakerOrders int
	// MakerRate is how many quote placements and cancellations the makers
	// make per second (default 300).
	MakerRate float64
	// NoiseRate is how many small marketable IOC orders the noise traders
	// send per second (default 6).
	NoiseRate float64
	// SweepRate is how many large takers sweeping several levels arrive per
	// second (default 0.05).
	SweepRate float64
	// Volatility is the reference price's random walk, in ticks per square
	// root of a second (default 150).
	Volatility float64
}

func (c SynthConfig) withDefaults() SynthConfig {
	if c.MakerOrders <= 0 {
		c.MakerOrders = 800
	}
	if c.MakerRate <= 0 {
		c.MakerRate = 300
	}
	if c.NoiseRate <= 0 {
		c.NoiseRate = 6
	}
	if c.SweepRate <= 0 {
		c.SweepRate = 0.05
	}
	if c.Volatility <= 0 {
		c.Volatility = 150
	}
	return c
}

// depthBatch accumulates the level changes of one depth stream between two
// of its publications, the latest quantity of each level winning, as
// Binance's @depth@100ms and @depth streams do.
type depthBatch struct {
	stream   string
	interval int64 // ns
	due      int64 // ns: the next publication
	first    uint64
	last     uint64
	prev     uint64 // the last published event's u, USD-M's pu
	bids     map[int64]int64
	asks     map[int64]int64
}

func (d *depthBatch) add(c LevelChange) {
	if d.first == 0 {
		d.first = c.UpdateID
	}
	d.last = c.UpdateID
	if c.Side == Buy {
		d.bids[c.Price] = c.Qty
	} else {
		d.asks[c.Price] = c.Qty
	}
}

// Market is one symbol of the exchange: its matching engine, the synthetic
// participants that trade on it, and the batching and encoding of its market
// data. Its clock is simulated: Step moves it forward, a ticker in server mode
// and the test itself in deterministic tests. A Market is not safe for
// concurrent use; the Exchange serializes access.
type Market struct {
	inst    Instrument
	lower   string // lower-case symbol, the stream prefix
	book    *Book
	rng     *rand.Rand
	synth   SynthConfig
	enabled bool // whether the synthetic participants act
	clock   int64
	ref     int64
	makers  [2][]*Order // maker quotes, bids then asks
	batches []*depthBatch
	changes []LevelChange
	top     [4]int64 // last published best bid, bid qty, ask, ask qty
	buf     []byte

	// emit publishes one payload on a stream; depth tells fault injection
	// which frames it may drop.
	emit func(stream string, payload []byte, depth bool)
	// onFill settles a fill involving an account; nil when none trade.
	onFill func(f *Fill)
	// lead, if set, is the market whose reference price this one follows
	// (see follow); fut, if set, makes the market speak USD-M's protocol.
	lead *follower
	fut  *futuresWire
}

// NewMarket returns a market for inst with synthetic participants seeded by
// seed, its clock at start (ns since the epoch). The book is populated with
// the makers' initial quotes; those changes are not published: a client
// learns them from the first snapshot. emit may be nil.
func NewMarket(inst Instrument, seed uint64, synth SynthConfig, start int64, emit func(stream string, payload []byte, depth bool)) (*Market, error) {
	if err := inst.validate(); err != nil {
		return nil, err
	}
	if emit == nil {
		emit = func(string, []byte, bool) {}
	}
	m := &Market{
		inst:    inst,
		lower:   strings.ToLower(inst.Symbol),
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		synth:   synth.withDefaults(),
		enabled: true,
		clock:   start,
		ref:     inst.RefPrice,
		emit:    emit,
	}
	// Ids start high, like a venue that has been running for years, and
	// differ by seed so that a client cannot mistake one run for another.
	base := uint64(1_000_000_000) + seed%1_000_000*1_000
	m.book = NewBook(base*10, base, base)
	for _, iv := range []struct {
		suffix string
		d      time.Duration
	}{{"@depth@100ms", 100 * time.Millisecond}, {"@depth", time.Second}} {
		m.batches = append(m.batches, &depthBatch{
			stream: m.lower + iv.suffix, interval: int64(iv.d),
			due:  start - start%int64(iv.d) + int64(iv.d),
			bids: make(map[int64]int64), asks: make(map[int64]int64),
		})
	}
	for range m.synth.MakerOrders {
		m.quote(Buy)
		m.quote(Sell)
	}
	m.changes = m.book.TakeChanges(m.changes[:0])
	m.top = m.currentTop()
	return m, nil
}

// Instrument returns the market's instrument.
func (m *Market) Instrument() Instrument { return m.inst }

// Book returns the matching engine. Callers must not place or cancel orders
// through it directly if they want market data published: use the Market.
func (m *Market) Book() *Book { return m.book }

// Now returns the market's clock, ns since the epoch.
func (m *Market) Now() int64 { return m.clock }

func (m *Market) nowMs() int64 { return m.clock / 1e6 }

// Step moves the clock to now (ns), publishing the depth batches that fell
// due on the way and letting the synthetic participants act for the elapsed
// time. A now that is not after the clock does nothing.
func (m *Market) Step(now int64) {
	if now <= m.clock {
		return
	}
	dt := float64(now-m.clock) / 1e9
	// Batches due before the participants act hold what happened before.
	m.clock = now
	m.flush(now)
	if !m.enabled {
		return
	}
	// The reference price walks; makers follow it.
	if m.lead != nil {
		m.ref = m.lead.next(m, dt)
	} else {
		step := math.Round(m.rng.NormFloat64() * m.synth.Volatility * math.Sqrt(dt))
		m.ref += int64(step) * m.inst.TickSize
	}
	m.ref = max(m.ref, m.inst.MinPrice+1000*m.inst.TickSize)
	m.pullStale()
	for range m.poisson(m.synth.MakerRate * dt) {
		s := Buy
		if m.rng.IntN(2) == 1 {
			s = Sell
		}
		// Cancels grow likelier as the side fills up, so that each side
		// hovers around its target number of quotes.
		n := len(m.makers[s-1])
		fill := float64(n) / float64(m.synth.MakerOrders)
		if n > 0 && (n >= m.synth.MakerOrders || m.rng.Float64() < 0.5*fill*fill) {
			m.cancelMaker(m.makers[s-1][m.rng.IntN(n)])
		} else {
			m.quote(s)
		}
	}
	for range m.poisson(m.synth.NoiseRate * dt) {
		m.take(1+m.rng.IntN(3), m.lots(200, 1.0))
	}
	for range m.poisson(m.synth.SweepRate * dt) {
		m.take(20+m.rng.IntN(200), m.lots(150_000, 0.5))
	}
	m.publish()
}

// poisson draws a Poisson count with mean lambda, capped so that a long
// pause of the clock does not turn into an unbounded burst.
func (m *Market) poisson(lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		n := int(math.Round(lambda + math.Sqrt(lambda)*m.rng.NormFloat64()))
		return min(max(n, 0), 5000)
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= m.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// lots returns a random quantity around median lots (log-normal with the
// given sigma), at least one lot.
func (m *Market) lots(median float64, sigma float64) int64 {
	v := median * math.Exp(sigma*m.rng.NormFloat64())
	n := max(int64(v), 1)
	return min(n*m.inst.StepSize, m.inst.MaxQty/10)
}

// quote places one maker quote on side s, most of them close to the
// reference price and the rest spread deep, as real books are.
func (m *Market) quote(s Side) {
	var ticks int64
	if m.rng.Float64() < 0.55 {
		ticks = 1 + int64(m.rng.ExpFloat64()*8)
	} else {
		ticks = 1 + int64(m.rng.ExpFloat64()*600)
	}
	price := m.ref - ticks*m.inst.TickSize
	if s == Sell {
		price = m.ref + ticks*m.inst.TickSize
	}
	if price < m.inst.MinPrice || price > m.inst.MaxPrice {
		return
	}
	o := &Order{Side: s, Type: LimitMaker, TIF: GTC, Price: price, Qty: m.lots(2_000, 1.2), maker: -1}
	if _, err := m.book.Place(o, m.nowMs()); err != nil {
		return // it would cross a stale quote: the maker waits
	}
	o.maker = len(m.makers[s-1])
	m.makers[s-1] = append(m.makers[s-1], o)
}

// dropMaker forgets a maker quote that is no longer on the book.
func (m *Market) dropMaker(o *Order) {
	if o.maker < 0 {
		return
	}
	list := m.makers[o.Side-1]
	last := list[len(list)-1]
	list[o.maker] = last
	last.maker = o.maker
	m.makers[o.Side-1] = list[:len(list)-1]
	o.maker = -1
}

func (m *Market) cancelMaker(o *Order) {
	m.book.Cancel(o.ID, m.nowMs())
	m.dropMaker(o)
}

// pullStale cancels the makers' quotes that the reference price has moved
// through, as market makers do when the price runs away from them, and
// requotes them behind the new price.
func (m *Market) pullStale() {
	var pulledN [2]int
	defer func() {
		for i, n := range pulledN {
			for range n {
				m.quote(Side(i + 1))
			}
		}
	}()
	for _, s := range []Side{Buy, Sell} {
		for {
			p, _, ok := m.book.Best(s)
			if !ok || (s == Buy && p < m.ref) || (s == Sell && p > m.ref) {
				break
			}
			l := m.book.side(s).get(p)
			pulled := false
			for _, o := range slices.Clone(l.orders) {
				if o.account == nil {
					m.cancelMaker(o)
					pulled = true
					pulledN[s-1]++
				}
			}
			if !pulled {
				break // only accounts' orders are left there
			}
		}
	}
}

// take sends a marketable IOC order of qty through up to ticks beyond the
// best opposite price, on a random side.
func (m *Market) take(ticks int, qty int64) {
	s := Buy
	if m.rng.IntN(2) == 1 {
		s = Sell
	}
	opp := Sell
	if s == Sell {
		opp = Buy
	}
	best, _, ok := m.book.Best(opp)
	if !ok {
		return
	}
	price := best + int64(ticks)*m.inst.TickSize
	if s == Sell {
		price = best - int64(ticks)*m.inst.TickSize
	}
	price = min(max(price, m.inst.MinPrice), m.inst.MaxPrice)
	o := &Order{Side: s, Type: Limit, TIF: IOC, Price: price, Qty: qty, maker: -1}
	fills, _ := m.book.Place(o, m.nowMs())
	m.fills(fills)
}

// fills publishes trades and settles them: maker quotes that are filled
// leave the makers' lists, and fills of accounts' orders go to onFill.
func (m *Market) fills(fills []Fill) {
	for i := range fills {
		f := &fills[i]
		if f.Maker.Status == StatusFilled {
			m.dropMaker(f.Maker)
		}
		m.emitTrade(f)
		if m.onFill != nil && (f.Maker.account != nil || f.Taker.account != nil) {
			m.onFill(f)
		}
	}
}

// publish collects the book's changes into the depth batches and publishes
// a bookTicker if the top of the book changed.
func (m *Market) publish() {
	m.changes = m.book.TakeChanges(m.changes[:0])
	for _, c := range m.changes {
		for _, b := range m.batches {
			b.add(c)
		}
	}
	if top := m.currentTop(); top != m.top {
		m.top = top
		m.buf = m.appendBookTicker(m.buf[:0])
		m.emit(m.lower+"@bookTicker", m.buf, false)
	}
}

func (m *Market) currentTop() [4]int64 {
	bp, bq, _ := m.book.Best(Buy)
	ap, aq, _ := m.book.Best(Sell)
	return [4]int64{bp, bq, ap, aq}
}

// flush publishes the depth batches due at or before now.
func (m *Market) flush(now int64) {
	for _, b := range m.batches {
		if b.due > now {
			continue
		}
		if b.first != 0 {
			m.buf = m.appendDepth(m.buf[:0], b, b.due/1e6)
			m.emit(b.stream, m.buf, true)
			b.prev = b.last
			b.first, b.last = 0, 0
			clear(b.bids)
			clear(b.asks)
		}
		// A clock that jumped skips the publications it missed.
		b.due += b.interval * ((now-b.due)/b.interval + 1)
	}
}

func (m *Market) emitTrade(f *Fill) {
	if m.fut != nil {
		m.emitFuturesTrade(f)
		return
	}
	m.buf = append(m.buf[:0], `{"e":"trade","E":`...)
	m.buf = strconv.AppendInt(m.buf, m.nowMs(), 10)
	m.buf = append(m.buf, `,"s":"`...)
	m.buf = append(m.buf, m.inst.Symbol...)
	m.buf = append(m.buf, `","t":`...)
	m.buf = strconv.AppendUint(m.buf, f.TradeID, 10)
	m.buf = append(m.buf, `,"p":"`...)
	m.buf = wireScale.AppendFixed(m.buf, f.Price)
	m.buf = append(m.buf, `","q":"`...)
	m.buf = wireScale.AppendFixed(m.buf, f.Qty)
	m.buf = append(m.buf, `","T":`...)
	m.buf = strconv.AppendInt(m.buf, m.nowMs(), 10)
	m.buf = append(m.buf, `,"m":`...)
	m.buf = strconv.AppendBool(m.buf, f.BuyerMaker())
	m.buf = append(m.buf, `,"M":true}`...)
	m.emit(m.lower+"@trade", m.buf, false)
}

func (m *Market) appendBookTicker(dst []byte) []byte {
	if m.fut != nil {
		return m.appendFuturesBookTicker(dst)
	}
	dst = append(dst, `{"u":`...)
	dst = strconv.AppendUint(dst, m.book.UpdateID(), 10)
	dst = append(dst, `,"s":"`...)
	dst = append(dst, m.inst.Symbol...)
	for i, k := range []string{`","b":"`, `","B":"`, `","a":"`, `","A":"`} {
		dst = append(dst, k...)
		dst = wireScale.AppendFixed(dst, m.top[i])
	}
	return append(dst, `"}`...)
}

func (m *Market) appendDepth(dst []byte, b *depthBatch, eventMs int64) []byte {
	if m.fut != nil {
		return m.appendFuturesDepth(dst, b, eventMs)
	}
	dst = append(dst, `{"e":"depthUpdate","E":`...)
	dst = strconv.AppendInt(dst, eventMs, 10)
	dst = append(dst, `,"s":"`...)
	dst = append(dst, m.inst.Symbol...)
	dst = append(dst, `","U":`...)
	dst = strconv.AppendUint(dst, b.first, 10)
	dst = append(dst, `,"u":`...)
	dst = strconv.AppendUint(dst, b.last, 10)
	dst = append(dst, `,"b":`...)
	dst = appendLevelMap(dst, b.bids, true)
	dst = append(dst, `,"a":`...)
	dst = appendLevelMap(dst, b.asks, false)
	return append(dst, '}')
}

// appendLevelMap appends levels best first, as Binance lists them.
func appendLevelMap(dst []byte, levels map[int64]int64, desc bool) []byte {
	prices := make([]int64, 0, len(levels))
	for p := range levels {
		prices = append(prices, p)
	}
	slices.Sort(prices)
	if desc {
		slices.Reverse(prices)
	}
	dst = append(dst, '[')
	for i, p := range prices {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendLevel(dst, p, levels[p])
	}
	return append(dst, ']')
}

func appendLevel(dst []byte, price, qty int64) []byte {
	dst = append(dst, `["`...)
	dst = wireScale.AppendFixed(dst, price)
	dst = append(dst, `","`...)
	dst = wireScale.AppendFixed(dst, qty)
	return append(dst, `"]`...)
}

// AppendSnapshot appends the REST depth snapshot body of the top limit
// levels of each side: {"lastUpdateId":..,"bids":[..],"asks":[..]}.
func (m *Market) AppendSnapshot(dst []byte, limit int) []byte {
	if m.fut != nil {
		return m.appendFuturesSnapshot(dst, limit)
	}
	dst = append(dst, `{"lastUpdateId":`...)
	dst = strconv.AppendUint(dst, m.book.UpdateID(), 10)
	for _, s := range []Side{Buy, Sell} {
		if s == Buy {
			dst = append(dst, `,"bids":[`...)
		} else {
			dst = append(dst, `],"asks":[`...)
		}
		for i, l := range m.book.Levels(nil, s, limit) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendLevel(dst, l[0], l[1])
		}
	}
	return append(dst, "]}"...)
}
