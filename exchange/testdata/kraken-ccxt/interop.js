// Drives nanotick's local exchange, speaking Kraken's Spot REST and WebSocket v2, with
// ccxt (pinned in package.json): a client nanotick did not write. It prints one JSON
// object: what ccxt saw at each step, for exchange/kraken_interop_test.go to check.
//
//   node interop.js REST_BASE WS_PUBLIC WS_PRIVATE API_KEY PRIVATE_KEY
//
// ccxt drives add_order, amend_order (editOrderWs), cancel_order and TradesHistory
// (fetchMyTrades); it cannot send a GTD order over v2 (createOrderWs passes time_in_force
// but no expire_time), so GTD is covered by the Go tests only.
//
// ccxt 4.5.84's own v2 book checksum check is off by default ("temporarily disabled")
// and fails on numbers (formatNumber calls split on them), so the book is checked by
// its shape here and by feeds/kraken's checksum in the Go tests.
const ccxt = require('ccxt');
const [base, wsPub, wsAuth, key, secret] = process.argv.slice(2);

(async () => {
  const ex = new ccxt.pro.kraken({ apiKey: key, secret });
  ex.urls.api.public = base;
  ex.urls.api.private = base;
  ex.urls.api.ws.publicV2 = wsPub;
  ex.urls.api.ws.privateV2 = wsAuth;
  const out = {};
  try {
    await ex.loadHttpProxyAgent(); // ccxt needs it for ws:// (non-TLS) URLs
    await ex.loadMarkets(); // GET /0/public/AssetPairs and /0/public/Assets
    const m = ex.market('BTC/USD');
    out.market = { symbol: m.symbol, price: m.precision.price, amount: m.precision.amount, minAmount: m.limits.amount.min };
    let ob;
    let n = 0;
    for (; n < 40; n++) ob = await ex.watchOrderBook('BTC/USD', 10);
    out.book = { updates: n, levels: [ob.bids.length, ob.asks.length], crossed: ob.bids[0][0] >= ob.asks[0][0] };
    const trades = await ex.watchTrades('BTC/USD');
    out.trades = trades.length;
    const bid = ob.bids[0][0];
    // add_order over the private socket, after GetWebSocketsToken (signed by ccxt).
    const o = await ex.createOrderWs('BTC/USD', 'limit', 'buy', 0.001, bid - 50, { postOnly: true });
    out.placed = typeof o.id === 'string' && o.id.length > 0;
    const upd = await ex.watchOrders('BTC/USD');
    out.statusAfterPlace = upd.filter(x => x.id === o.id).map(x => x.status);
    // amend_order (editOrderWs): the resting order moves to a new price, keeping its
    // id; a post-only amend to a price that would take is refused.
    const ed = await ex.editOrderWs(o.id, 'BTC/USD', 'limit', 'buy', 0.002, bid - 60, { postOnly: true });
    out.editedId = ed.id === o.id;
    for (let i = 0; i < 50 && !(ex.orders || []).some(x => x.id === o.id && x.price === bid - 60); i++) {
      await new Promise(r => setTimeout(r, 100));
    }
    out.editedPrice = ((ex.orders || []).filter(x => x.id === o.id).pop() || {}).price === bid - 60;
    try {
      await ex.editOrderWs(o.id, 'BTC/USD', 'limit', 'buy', 0.002, ob.asks[0][0] + 100, { postOnly: true });
      out.editTaking = 'accepted';
    } catch (e) {
      out.editTaking = e.constructor.name + ': ' + e.message;
    }
    const c = await ex.cancelOrderWs(o.id);
    out.cancelAnswered = c !== undefined;
    for (let i = 0; i < 50 && !(ex.orders || []).some(x => x.id === o.id && x.status === 'canceled'); i++) {
      await new Promise(r => setTimeout(r, 100));
    }
    out.statusAfterCancel = (ex.orders || []).filter(x => x.id === o.id).map(x => x.status);
    // A taking order's fills, read back over REST: TradesHistory (fetchMyTrades), each
    // with the order's id, its price, amount and fee. Small enough to fill fewer times
    // than one page of TradesHistory holds (50), which is all fetchMyTrades reads.
    const taker = await ex.createOrderWs('BTC/USD', 'limit', 'buy', 0.0002, ob.asks[0][0] + 100, { timeInForce: 'IOC' });
    let mine = [];
    for (let i = 0; i < 50 && mine.length === 0; i++) {
      mine = (await ex.fetchMyTrades('BTC/USD')).filter(t => t.order === taker.id);
      if (mine.length === 0) await new Promise(r => setTimeout(r, 100));
    }
    out.myTrades = mine.map(t => ({ id: t.id, side: t.side, price: t.price, amount: t.amount, fee: t.fee.cost, feeCurrency: t.fee.currency, takerOrMaker: t.takerOrMaker }));
    try {
      await ex.createOrderWs('BTC/USD', 'limit', 'buy', 1000, bid - 50);
      out.tooBig = 'accepted';
    } catch (e) {
      out.tooBig = e.constructor.name + ': ' + e.message;
    }
  } catch (e) {
    out.error = e.constructor.name + ': ' + e.message;
  }
  console.log(JSON.stringify(out));
  await ex.close();
  process.exit(0);
})();
