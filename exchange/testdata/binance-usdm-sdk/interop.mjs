// Drives nanotick's local exchange's USD-M futures with Binance's official JavaScript
// SDK (@binance/derivatives-trading-usds-futures), a client nanotick did not write.
// exchange/usdm_interop_test.go starts the exchange on 127.0.0.1 and runs:
//   node interop.mjs BASE_HTTP_URL WS_API_URL STREAMS_URL KEY SECRET
// Every step prints one JSON line {"step":..,"ok":..,"data":..}; the Go test checks
// them, and checks the fields against the SDK's own typings.
import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';

const [basePath, wsAPI, wsStreams, apiKey, apiSecret] = process.argv.slice(2);
const out = (step, v) => console.log(JSON.stringify({ step, ...v }, (k, x) => (typeof x === 'bigint' ? Number(x) : x)));
// Bounded: the whole run ends within 40 s whatever happens.
setTimeout(() => { out('timeout', { ok: false }); process.exit(2); }, 40000).unref();

const client = new DerivativesTradingUsdsFutures({
  configurationRestAPI: { apiKey, apiSecret, basePath, timeout: 5000, retries: 0 },
  configurationWebsocketAPI: { apiKey, apiSecret, wsURL: wsAPI, timeout: 5000, reconnectDelay: 60000 },
  configurationWebsocketStreams: { wsURL: wsStreams, reconnectDelay: 60000 },
});
const errInfo = (e) => ({ ok: false, code: e?.code ?? e?.response?.data?.code ?? e?.error?.code, msg: String(e?.message ?? e) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// REST calls answer a response whose data() is the parsed body.
const rest = async (step, fn) => {
  try {
    const r = await fn();
    const data = await r.data();
    out(step, { ok: true, data });
    return data;
  } catch (e) { out(step, errInfo(e)); return null; }
};

const lk = await rest('rest-listen-key', () => client.restAPI.startUserDataStream());
await rest('rest-position-mode', () => client.restAPI.getCurrentPositionMode());
await rest('rest-position-mode-same', () => client.restAPI.changePositionMode({ dualSidePosition: 'false' }));
await rest('rest-leverage', () => client.restAPI.changeInitialLeverage({ symbol: 'BTCUSDT', leverage: 10 }));
await rest('rest-margin-isolated', () => client.restAPI.changeMarginType({ symbol: 'BTCUSDT', marginType: 'ISOLATED' }));
await rest('rest-margin-same', () => client.restAPI.changeMarginType({ symbol: 'BTCUSDT', marginType: 'ISOLATED' }));
await rest('rest-margin-crossed', () => client.restAPI.changeMarginType({ symbol: 'BTCUSDT', marginType: 'CROSSED' }));
const premium = await rest('rest-mark-price', () => client.restAPI.markPrice({ symbol: 'BTCUSDT' }));

// The user data stream and the mark price stream, through the SDK's stream handlers.
const events = [];
const marks = [];
const streams = await client.websocketStreams.connect();
const user = streams.userData(lk.listenKey);
user.on('message', (ev) => events.push(ev));
const mark = streams.markPriceStream({ symbol: 'BTCUSDT', updateSpeed: '1s' });
mark.on('message', (ev) => marks.push(ev));
await sleep(300); // the subscriptions go out on the open connection

const conn = await client.websocketAPI.connect();
const call = async (step, fn) => {
  try {
    const r = await fn();
    out(step, { ok: true, data: r.data, rateLimits: r.rateLimits ?? null });
    return r.data;
  } catch (e) { out(step, errInfo(e)); return null; }
};
const waitFor = async (what, pred) => {
  for (let i = 0; i < 150; i++) {
    const ev = events.find(pred);
    if (ev) return ev;
    await sleep(100);
  }
  out('wait-' + what, { ok: false, data: events });
  return null;
};

const bid = Number(premium.markPrice) * 0.99;
const price = (Math.floor(bid * 10) / 10).toFixed(1);
const gtx = await call('place-gtx', () => conn.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTX', price, quantity: 0.01, newClientOrderId: 'sdk-gtx' }));
await call('place-gtx-takes', () => conn.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTX', price: (Number(premium.markPrice) * 1.01).toFixed(1), quantity: 0.01 }));
const price2 = (Number(price) - 10).toFixed(1);
await call('modify', () => conn.modifyOrder({ symbol: 'BTCUSDT', orderId: gtx.orderId, side: 'BUY', price: price2, quantity: 0.02 }));
await call('status', () => conn.queryOrder({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-gtx' }));
await call('rest-open-orders', async () => ({ data: await (await client.restAPI.currentAllOpenOrders({ symbol: 'BTCUSDT' })).data() }));
await call('cancel', () => conn.cancelOrder({ symbol: 'BTCUSDT', orderId: gtx.orderId }));
await call('status-unknown', () => conn.queryOrder({ symbol: 'BTCUSDT', origClientOrderId: 'sdk-never-placed' }));
await call('reduce-only-flat', () => conn.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: 0.01, reduceOnly: 'true' }));
const ioc = await call('ioc', () => conn.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', price: (Number(premium.markPrice) * 1.01).toFixed(1), quantity: 0.01, newOrderRespType: 'RESULT', newClientOrderId: 'sdk-ioc' }));
await call('reduce-only-same-side', () => conn.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01, reduceOnly: 'true' }));
await waitFor('trade', (ev) => ev.e === 'ORDER_TRADE_UPDATE' && ev.o?.c === 'sdk-ioc' && ev.o?.x === 'TRADE');
await waitFor('account-update', (ev) => ev.e === 'ACCOUNT_UPDATE' && ev.a?.m === 'ORDER');
await call('position-v2', () => conn.positionInformationV2({ symbol: 'BTCUSDT' }));
await call('account-v2', () => conn.accountInformationV2());
await rest('rest-position-v3', () => client.restAPI.positionInformationV3({ symbol: 'BTCUSDT' }));
await rest('rest-account-v3', () => client.restAPI.accountInformationV3());
// The funding interval is short in the test: the open position pays or earns funding.
await waitFor('funding', (ev) => ev.e === 'ACCOUNT_UPDATE' && ev.a?.m === 'FUNDING_FEE');
await rest('rest-funding-history', () => client.restAPI.getFundingRateHistory({ symbol: 'BTCUSDT' }));
await call('close', () => conn.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: ioc.executedQty, reduceOnly: 'true', newOrderRespType: 'RESULT' }));
await waitFor('close-trade', (ev) => ev.e === 'ORDER_TRADE_UPDATE' && ev.o?.R === true && ev.o?.x === 'TRADE');
// The account trade list (REST only: the WebSocket API has none): all, one order's, and
// a combination the docs forbid.
await rest('rest-user-trades', () => client.restAPI.accountTradeList({ symbol: 'BTCUSDT' }));
await rest('rest-user-trades-order', () => client.restAPI.accountTradeList({ symbol: 'BTCUSDT', orderId: ioc?.orderId ?? 0, limit: 1000 }));
await rest('rest-user-trades-combo', () => client.restAPI.accountTradeList({ symbol: 'BTCUSDT', fromId: 1, startTime: 1 }));
await rest('rest-keepalive', () => client.restAPI.keepaliveUserDataStream());
out('events', { ok: true, data: events });
out('marks', { ok: true, data: marks.slice(0, 3) });
await conn.disconnect();
await streams.disconnect();
process.exit(0);
