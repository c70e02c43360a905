// Drives nanotick's local exchange with Binance's official JavaScript SDK
// (@binance/spot), a client nanotick did not write. exchange/interop_test.go starts
// the exchange on 127.0.0.1 and runs this with: node interop.mjs WS_API_URL KEY SECRET.
// Every step prints one JSON line {"step":..,"ok":..,...}; the Go test checks them.
import { Spot } from '@binance/spot';

const [url, apiKey, apiSecret] = process.argv.slice(2);
const out = (step, v) => console.log(JSON.stringify({ step, ...v }));
// Bounded: the whole run ends within 30 s whatever happens.
setTimeout(() => { out('timeout', { ok: false }); process.exit(2); }, 30000).unref();

const client = new Spot({ configurationWebsocketAPI: { apiKey, apiSecret, wsURL: url, timeout: 5000, reconnectDelay: 60000 } });
const errInfo = (e) => ({ ok: false, code: e?.code ?? e?.response?.error?.code, msg: String(e?.message ?? e), error: e?.error ?? null });

const conn = await client.websocketAPI.connect();
const reports = [];
try {
  const sub = await conn.userDataStreamSubscribeSignature();
  sub.stream.on('message', (ev) => reports.push(ev));
  out('subscribe', { ok: true, data: sub.response.data });
} catch (e) { out('subscribe', errInfo(e)); }

const call = async (step, fn) => {
  try {
    const r = await fn();
    out(step, { ok: true, data: r.data, rateLimits: r.rateLimits ?? null });
    return r.data;
  } catch (e) { out(step, errInfo(e)); return null; }
};

await call('time', () => conn.time());
await call('account', () => conn.accountStatus());
const ticker = await call('commission', () => conn.accountCommission({ symbol: 'BTCUSDT' }));
const placed = await call('place-limit', () => conn.orderPlace({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: 10000, quantity: 0.001, newClientOrderId: 'sdk-limit' }));
await call('status', () => conn.orderStatus({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-limit' }));
await call('amend', () => conn.orderAmendKeepPriority({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-limit', newQty: 0.0005, newClientOrderId: 'sdk-limit-2' }));
await call('cancel-replace', () => conn.orderCancelReplace({ symbol: 'BTCUSDT', cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrigClientOrderId: 'sdk-limit-2', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: 10001, quantity: 0.001, newClientOrderId: 'sdk-limit-3' }));
await call('open-orders', () => conn.openOrdersStatus({ symbol: 'BTCUSDT' }));
await call('cancel', () => conn.orderCancel({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-limit-3' }));
await call('status-unknown', () => conn.orderStatus({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-never-placed' }));
await call('cancel-unknown', () => conn.orderCancel({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-never-placed' }));
await call('test', () => conn.orderTest({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: 10000, quantity: 0.001 }));
await call('precision', () => conn.orderPlace({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: 10000, quantity: '0.000000001' }));
const mq = await call('market-quote', () => conn.orderPlace({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteOrderQty: 50, newClientOrderId: 'sdk-mq' }));
await call('market-qty', () => conn.orderPlace({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.0005, newClientOrderId: 'sdk-mqty' }));
await call('fok', () => conn.orderPlace({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', price: 10000, quantity: 0.001, newClientOrderId: 'sdk-fok' }));
await call('v3-prefix-session', () => conn.sessionStatus());
// The account trade list: all of it, one order's, and a combination the docs forbid.
await call('my-trades', () => conn.myTrades({ symbol: 'BTCUSDT' }));
await call('my-trades-order', () => conn.myTrades({ symbol: 'BTCUSDT', orderId: mq?.orderId ?? 0, limit: 1000 }));
await call('my-trades-combo', () => conn.myTrades({ symbol: 'BTCUSDT', orderId: 1, startTime: 1 }));
// Give the last execution reports a moment to arrive, then list what came.
await new Promise((r) => setTimeout(r, 500));
out('reports', { ok: true, data: reports });
await conn.disconnect();
process.exit(0);
