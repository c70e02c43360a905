// Drives nanotick's local exchange, speaking Kraken's Spot REST and WebSocket v2, with
// ccxt (pinned in package.json): a client nanotick did not write. It prints one JSON
// object: what ccxt saw at each step, for exchange/kraken_interop_test.go to check.
//
//   node interop.js REST_BASE WS_PUBLIC WS_PRIVATE API_KEY PRIVATE_KEY
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
    const c = await ex.cancelOrderWs(o.id);
    out.cancelAnswered = c !== undefined;
    for (let i = 0; i < 50 && !(ex.orders || []).some(x => x.id === o.id && x.status === 'canceled'); i++) {
      await new Promise(r => setTimeout(r, 100));
    }
    out.statusAfterCancel = (ex.orders || []).filter(x => x.id === o.id).map(x => x.status);
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
