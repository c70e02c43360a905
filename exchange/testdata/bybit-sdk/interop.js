// Bybit's Node SDK (bybit-api, listed in Bybit's docs) driving nanotick's local
// exchange: argv = publicLinearURL tradeURL privateURL apiKey apiSecret bidPrice askPrice restURL.
// Each step prints one JSON line {"step","ok",...}; exchange/bybit_sdk_test.go reads them.
'use strict';
const fs = require('fs');
const path = require('path');
const { WebsocketClient, WebsocketAPIClient, RestClientV5 } = require('bybit-api');

const [publicURL, tradeURL, privateURL, key, secret, bidArg, askArg, restURL] = process.argv.slice(2);
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

// typedFields reads the fields of interface name from one of the SDK's type files
// (lib/types/response/<file>), nested objects as dotted paths: [{path, optional}].
// Types are erased at run time; this is how the test compares an answer with them.
function typedFields(file, name) {
  const src = fs.readFileSync(path.join(path.dirname(require.resolve('bybit-api')), 'types', 'response', file), 'utf8');
  const start = src.indexOf('export interface ' + name + ' {');
  if (start < 0) throw new Error('no interface ' + name + ' in ' + file);
  const fields = [];
  const stack = [];
  for (const line of src.slice(start).split('\n').slice(1)) {
    const t = line.trim();
    if (t.startsWith('/**') || t.startsWith('*') || t === '') continue;
    if (t.startsWith('}')) {
      if (stack.length === 0) break; // the interface's end
      stack.pop();
      continue;
    }
    const m = /^(\w+)(\?)?:\s*(.*)$/.exec(t);
    if (!m) continue;
    fields.push({ path: [...stack, m[1]].join('.'), optional: m[2] === '?' || stack.some((p) => p.endsWith('?')) });
    if (m[3].endsWith('{')) stack.push(m[1] + (m[2] || ''));
  }
  return fields;
}

// compareTyped lists the typed fields an object lacks (required ones: missing; optional
// ones: absentOptional) and its fields the typing does not name (extra). The children
// of a field that is null (preListingInfo: {...} | null) or an array are not looked for.
function compareTyped(obj, fields) {
  const missing = [];
  const absentOptional = [];
  const get = (p) => p.split('.').reduce((o, k) => (o == null ? undefined : o[k.replace('?', '')]), obj);
  for (const f of fields) {
    const parts = f.path.split('.');
    const ancestors = parts.slice(1).map((_, i) => get(parts.slice(0, i + 1).join('.')));
    if (ancestors.some((v) => v === null || Array.isArray(v))) continue;
    if (get(f.path) === undefined) (f.optional ? absentOptional : missing).push(f.path);
  }
  const typed = new Set(fields.map((f) => f.path));
  const extra = [];
  const walk = (o, prefix) => {
    for (const k of Object.keys(o)) {
      const p = prefix ? prefix + '.' + k : k;
      if (!typed.has(p)) extra.push(p);
      else if (o[k] && typeof o[k] === 'object' && !Array.isArray(o[k])) walk(o[k], p);
    }
  };
  walk(obj, '');
  return { missing, absentOptional, extra };
}

async function restInstruments() {
  const rest = new RestClientV5({ baseUrl: restURL });
  for (const [category, iface] of [['linear', 'LinearInverseInstrumentInfoV5'], ['spot', 'SpotInstrumentInfoV5']]) {
    const step = 'instruments-' + category;
    try {
      const r = await Promise.race([rest.getInstrumentsInfo({ category, symbol: 'BTCUSDT' }), timeout(10000, step)]);
      const item = r.result && r.result.list && r.result.list[0];
      if (!item) throw new Error('no instrument in ' + JSON.stringify(r));
      out({ step, ok: r.retCode === 0, code: r.retCode, data: { ...compareTyped(item, typedFields('v5-market.d.ts', iface)),
        category: r.result.category, status: item.status, tickSize: item.priceFilter.tickSize, lotSizeFilter: item.lotSizeFilter } });
    } catch (e) {
      out({ step, ok: false, code: e && e.retCode !== undefined ? e.retCode : -1, msg: String((e && (e.retMsg || e.message)) || e) });
    }
  }
}

async function main() {
  await publicStreams();
  await restInstruments();

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
  try {
    // The IOC's execution from the signed REST history, compared with the SDK's typing.
    const rest = new RestClientV5({ key, secret, baseUrl: restURL });
    const r = await Promise.race([rest.getExecutionList({ category: 'linear', symbol: 'BTCUSDT', limit: 10 }), timeout(10000, 'executions')]);
    const list = (r.result && r.result.list) || [];
    const x = list.find((e) => e.orderLinkId === 'sdk-2');
    if (!x) throw new Error('no execution of sdk-2 in ' + JSON.stringify(r));
    out({ step: 'executions', ok: r.retCode === 0, code: r.retCode, data: { ...compareTyped(x, typedFields('v5-position.d.ts', 'ExecutionV5')),
      count: list.length, execQty: x.execQty, execType: x.execType, side: x.side, execFee: x.execFee, nextPageCursor: r.result.nextPageCursor } });
  } catch (e) {
    out({ step: 'executions', ok: false, code: e && e.retCode !== undefined ? e.retCode : -1, msg: String((e && (e.retMsg || e.message)) || e) });
  }
  out({ step: 'private', ok: true, data: { topics, size: position && position.size, side: position && position.side } });
  priv.closeAll(true);
  api.getWSClient().closeAll(true);
  process.exit(0);
}

main().catch((e) => {
  out({ step: 'fatal', ok: false, msg: String(e && e.stack || e) });
  process.exit(1);
});
