// Bybit's Node SDK (bybit-api, listed in Bybit's docs) driving nanotick's local
// exchange: argv = publicLinearURL tradeURL privateURL apiKey apiSecret bidPrice askPrice.
// Each step prints one JSON line {"step","ok",...}; exchange/bybit_sdk_test.go reads them.
'use strict';
const { WebsocketClient, WebsocketAPIClient } = require('bybit-api');

const [publicURL, tradeURL, privateURL, key, secret, bidArg, askArg] = process.argv.slice(2);
const bid = Number(bidArg);
const ask = Number(askArg);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const silent = { trace() {}, info() {}, error() {} };
const timeout = (ms, what) => new Promise((_, rej) => setTimeout(() => rej(new Error('timeout: ' + what)), ms));

async function publicStreams() {
  const ws = new WebsocketClient({ wsUrl: publicURL }, silent);
  const seen = { snapshot: 0, delta: 0, ticker: 0 };
  const done = new Promise((resolve) => {
    ws.on('update', (m) => {
      if (m.topic === 'orderbook.50.BTCUSDT') seen[m.type]++;
      if (m.topic === 'tickers.BTCUSDT' && m.data && m.data.markPrice) seen.ticker++;
      if (seen.snapshot > 0 && seen.ticker > 0) resolve();
    });
  });
  ws.subscribeV5(['orderbook.50.BTCUSDT', 'tickers.BTCUSDT'], 'linear');
  await Promise.race([done, timeout(15000, 'public streams')]);
  out({ step: 'public', ok: true, data: seen });
  ws.closeAll(true);
}

async function main() {
  await publicStreams();

  const priv = new WebsocketClient({ key, secret, wsUrl: privateURL }, silent);
  const topics = {};
  let position = null;
  priv.on('update', (m) => {
    topics[m.topic] = (topics[m.topic] || 0) + 1;
    if (m.topic === 'position' && m.data && m.data[0]) position = m.data[0];
  });
  priv.subscribeV5(['order', 'execution', 'position', 'wallet'], 'linear', true);
  await new Promise((r) => setTimeout(r, 1000)); // the subscription goes through

  const api = new WebsocketAPIClient({ key, secret, wsUrl: tradeURL }, silent);
  const call = async (step, fn) => {
    try {
      const r = await Promise.race([fn(), timeout(10000, step)]);
      out({ step, ok: true, code: r.retCode, data: r.data });
    } catch (e) {
      out({ step, ok: false, code: e && e.retCode !== undefined ? e.retCode : -1, msg: String((e && (e.retMsg || e.message)) || e) });
    }
  };
  const base = { category: 'linear', symbol: 'BTCUSDT', orderType: 'Limit' };
  await call('create', () => api.submitNewOrder({ ...base, side: 'Buy', qty: '0.002', price: (bid - 10).toFixed(1), timeInForce: 'PostOnly', orderLinkId: 'sdk-1' }));
  await call('amend', () => api.amendOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'sdk-1', price: (bid - 20).toFixed(1) }));
  await call('cancel', () => api.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'sdk-1' }));
  await call('cancel-again', () => api.cancelOrder({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'sdk-1' }));
  await call('ioc', () => api.submitNewOrder({ ...base, side: 'Buy', qty: '0.002', price: (ask + 50).toFixed(1), timeInForce: 'IOC', orderLinkId: 'sdk-2' }));
  await call('reduce-only-wrong-side', () => api.submitNewOrder({ ...base, side: 'Buy', qty: '0.001', price: (bid - 10).toFixed(1), timeInForce: 'GTC', reduceOnly: true, orderLinkId: 'sdk-3' }));
  await new Promise((r) => setTimeout(r, 1000)); // the streams catch up
  out({ step: 'private', ok: true, data: { topics, size: position && position.size, side: position && position.side } });
  priv.closeAll(true);
  api.getWSClient().closeAll(true);
  process.exit(0);
}

main().catch((e) => {
  out({ step: 'fatal', ok: false, msg: String(e && e.stack || e) });
  process.exit(1);
});
