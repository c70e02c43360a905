// nanotick.d.ts: the script API of nanotick strategies.
//
// Reference it from a strategy file for editor completion and type checks:
//   /// <reference path="path/to/strategy/nanotick.d.ts" />
// A test keeps this file in step with the functions the engine registers
// (strategy/script.go): a name added there and not here, or here and not there, fails it.
//
// Prices and quantities are numbers in the instrument's units (e.g. USDT and BTC). Times
// are milliseconds since the Unix epoch, with sub-millisecond fractions, on the engine's
// clock: the local receive time of the event being handled (recorded time in a backtest).

/** Declares a strategy parameter with its default; the config's [strategy.params] may override it.
 * Call it at the top level only. A config parameter no script declares is an error at start. */
declare function param(name: string, defaultValue: number): number;

/** The engine's clock: the local receive time of the current event, in ms since the epoch. */
declare function now(): number;

/** Order option: rejected or expired by the venue rather than taking liquidity (LIMIT_MAKER
 * on Binance Spot, GTX on USD-M, PostOnly on Bybit, post_only on Kraken). Options combine
 * with |; at most one of POST_ONLY, IOC and FOK. An option the instrument's venue does not
 * offer is an error when the script is compiled or bound, never a venue reject. */
declare const POST_ONLY: number;
/** Order option: immediate or cancel; what does not fill at once is cancelled. */
declare const IOC: number;
/** Order option: fill or kill; the whole quantity fills at once or nothing does (not on Kraken). */
declare const FOK: number;
/** Order option: may only shrink the position, never grow or flip it (USD-M, Bybit linear). */
declare const REDUCE_ONLY: number;
/** Side of an order or a trade's aggressor. */
declare const BUY: number;
declare const SELL: number;

/** Binds one of the engine's instruments by name, "venue:SYMBOL" ("binance-spot:BTCUSDT",
 * "binance-usdm:BTCUSDT", "kraken:BTC/USD"), and returns its handle. Call it at the top level
 * only: `const perp = instrument("binance-usdm:BTCUSDT");`. An instrument the engine does not
 * trade is an error at start. Once a script binds an instrument, onBook and onTrade receive
 * the instrument the event is about first and run for every instrument; the global
 * namespaces (book, orders, position, instrument, lastTrade) keep meaning the default
 * instrument, the first one configured. */
declare function instrument(name: string): Instrument;

/** An instrument handle: the same API as the global namespaces, for this instrument.
 * `x.book.mid()` compiles to one host call with x as an argument, for any x (a const
 * from instrument(), a callback's inst, fill.instrument). Its value is a number (the
 * instrument's position in the engine plus one), so handles compare with ===. */
interface Instrument {
  readonly book: InstrumentBook;
  readonly orders: InstrumentOrders;
  readonly position: InstrumentPosition;
  readonly rules: InstrumentRules;
  readonly lastTrade: InstrumentLastTrade;
}

/** An instrument's order book: as the global book. */
interface InstrumentBook {
  valid(): boolean;
  bidPrice(level?: number): number;
  askPrice(level?: number): number;
  bidQty(level?: number): number;
  askQty(level?: number): number;
  bidLevels(): number;
  askLevels(): number;
  mid(): number;
  spread(): number;
  bidDepth(n: number): number;
  askDepth(n: number): number;
  time(): number;
  mark(): number;
  indexPrice(): number;
  fundingRate(): number;
  nextFundingTime(): number;
}

/** An instrument's orders: as the global orders; ids are unique across instruments. */
interface InstrumentOrders {
  buy(price: number, qty: number, flags?: number): number;
  sell(price: number, qty: number, flags?: number): number;
  cancel(id: number): boolean;
  cancelAll(): number;
  replace(id: number, price: number, qty: number, flags?: number): number;
  modify(id: number, price: number, qty: number): boolean;
  count(): number;
  id(i: number): number;
  side(id: number): number;
  price(id: number): number;
  qty(id: number): number;
  filled(id: number): number;
  isOpen(id: number): boolean;
}

/** An instrument's position, in its base asset, and its PnL in its quote asset. */
interface InstrumentPosition {
  qty(): number;
  avgEntry(): number;
  realizedPnl(): number;
  unrealizedPnl(): number;
  fees(): number;
}

/** An instrument's rules: as the global instrument namespace. */
interface InstrumentRules {
  tickSize(): number;
  lotSize(): number;
  /** "venue:SYMBOL". */
  name(): string;
}

/** An instrument's last public trade. */
interface InstrumentLastTrade {
  price(): number;
  qty(): number;
  side(): number;
  time(): number;
}

/** The instrument's order book. Level 0 is the best; a missing level reads as 0. */
declare namespace book {
  /** In sync with the exchange, not crossed, both sides present. Orders priced off an invalid book are rejected. */
  function valid(): boolean;
  function bidPrice(level?: number): number;
  function askPrice(level?: number): number;
  function bidQty(level?: number): number;
  function askQty(level?: number): number;
  /** Number of levels on each side. */
  function bidLevels(): number;
  function askLevels(): number;
  /** (best bid + best ask) / 2, or 0 if a side is empty. */
  function mid(): number;
  /** Best ask minus best bid, or 0 if a side is empty. */
  function spread(): number;
  /** Total quantity of the top n levels of each side. */
  function bidDepth(n: number): number;
  function askDepth(n: number): number;
  /** Local receive time of the last applied update, in ms since the epoch. */
  function time(): number;
  /** A perpetual's mark price, on which the venue values positions, margin and liquidation; 0 until the venue sent one (always 0 on spot). */
  function mark(): number;
  /** A perpetual's index price (the spot price its mark follows); 0 until the venue sent one. */
  function indexPrice(): number;
  /** The rate of the coming funding (0.0001 = 0.01%; positive: longs pay shorts); 0 until the venue sent one. */
  function fundingRate(): number;
  /** The next funding time, in ms since the epoch; 0 until the venue sent one. */
  function nextFundingTime(): number;
}

/** The default instrument's rules. */
declare namespace instrument {
  function tickSize(): number;
  function lotSize(): number;
  /** "venue:SYMBOL". */
  function name(): string;
}

/** The strategy's filled position and its profit and loss, in the quote currency. */
declare namespace position {
  /** Net filled quantity: positive long, negative short. */
  function qty(): number;
  /** Average entry price of the open position, 0 when flat. */
  function avgEntry(): number;
  function realizedPnl(): number;
  function unrealizedPnl(): number;
  function fees(): number;
}

/** The last public trade (0 before the first). */
declare namespace lastTrade {
  function price(): number;
  function qty(): number;
  /** BUY or SELL: the side that took liquidity. */
  function side(): number;
  function time(): number;
}

/** Placing and cancelling orders. Prices are rounded to the tick, never more aggressively
 * than asked (buys down, sells up); quantities down to the lot. Orders are checked by risk
 * after the callback returns; acceptance or rejection arrives in onOrder. */
declare namespace orders {
  /** Places a limit buy; returns its id (0 if it could not be queued, which halts the strategy). */
  function buy(price: number, qty: number, flags?: number): number;
  function sell(price: number, qty: number, flags?: number): number;
  /** Cancels an open order; false if there is no such open order. */
  function cancel(id: number): boolean;
  /** Cancels every open order; returns how many cancels were issued. */
  function cancelAll(): number;
  /** Cancels id and places a new order on the same side; returns the new id (0 if id is not open). */
  function replace(id: number, price: number, qty: number, flags?: number): number;
  /** Changes an open order's price and total quantity (filled part included) in place,
   * keeping its id; checked by risk like a new order. onOrder reports "modified", or
   * "modify_rejected" with the order working on unchanged. False if id is not open, is
   * being cancelled or modified, or qty is no more than has filled. Venues with it:
   * binance-usdm (the order is requeued), bybit-*, kraken (a lower quantity keeps the
   * order's place); not binance-spot, where it is an error when the script is bound. */
  function modify(id: number, price: number, qty: number): boolean;
  /** Number of open orders (placed and not yet filled, cancelled or rejected). */
  function count(): number;
  /** Id of the i-th open order, oldest first; 0 if out of range. */
  function id(i: number): number;
  /** BUY or SELL for an open order, 0 if it is not open. */
  function side(id: number): number;
  function price(id: number): number;
  function qty(id: number): number;
  function filled(id: number): number;
  function isOpen(id: number): boolean;
}

/** Indicators created once at the top level and updated on every tick, without allocating.
 * Each constructor returns a handle for update/value/ready. */
declare namespace ta {
  /** Exponential moving average with alpha = 2 / (period + 1). */
  function ema(period: number): number;
  /** Simple moving average of the last n values. */
  function sma(n: number): number;
  /** Rolling standard deviation of the last n values. */
  function stddev(n: number): number;
  /** Rolling minimum / maximum of the last n values. */
  function min(n: number): number;
  function max(n: number): number;
  /** Volume-weighted average price of the last n updates (update with price and qty). */
  function vwap(n: number): number;
  /** Adds a value (and, for vwap, a quantity); returns the new indicator value. */
  function update(handle: number, value: number, qty?: number): number;
  function value(handle: number): number;
  /** Whether the indicator has seen enough values to mean something. */
  function ready(handle: number): boolean;
}

/** Logging through the engine's logger. Building the message allocates in the script's heap. */
declare namespace log {
  function debug(...args: unknown[]): void;
  function info(...args: unknown[]): void;
  function warn(...args: unknown[]): void;
  function error(...args: unknown[]): void;
}

/** A public trade, as onTrade receives it. The object is reused: copy what you keep. */
interface Trade {
  price: number;
  qty: number;
  /** BUY or SELL: the aggressor. */
  side: number;
  time: number;
  /** The trade's instrument. */
  instrument: Instrument;
}

/** A fill of one of the strategy's orders. The object is reused: copy what you keep. */
interface Fill {
  orderId: number;
  side: number;
  price: number;
  qty: number;
  /** Fee in the quote currency; negative is a rebate. */
  fee: number;
  /** Quantity still open on the order. */
  remaining: number;
  maker: boolean;
  time: number;
  /** The order's instrument. */
  instrument: Instrument;
}

type OrderStatus = "accepted" | "acknowledged" | "rejected" | "cancelled" | "filled" | "modified" | "modify_rejected";

/** A change of an order's status. The object is reused: copy what you keep. */
interface OrderUpdate {
  orderId: number;
  status: OrderStatus;
  /** Why risk or the venue rejected the order ("price_band", "max_position", ...); "" otherwise. */
  reason: string;
  time: number;
  /** The order's instrument. */
  instrument: Instrument;
}

// Callbacks a strategy may define (all optional):
//   function onBook(): void                  after each book update, and when the book turns invalid
//   function onTrade(trade: Trade): void     each public trade
// (a script that binds instruments with instrument() gets them for every instrument, with it first:
//   function onBook(inst: Instrument): void
//   function onTrade(inst: Instrument, trade: Trade): void)
//   function onFill(fill: Fill): void        each fill of one of our orders
//   function onOrder(update: OrderUpdate): void  accepted, acknowledged, rejected, cancelled, filled
//   function onTimer(): void                 every [engine] timer_interval of event time
