// objects: shapes shared across literals, functions as fields, nested updates
function mk(i) { return { id: i, px: 100 + i, q: { a: i, b: [i] } }; }
const xs = [];
for (let i = 0; i < 5; i++) xs.push(mk(i));
xs[2].q.b.push(99);
xs[3].q = { a: -1, b: [] };
xs[4].px += 0.5;
for (const x of xs) console.log(x.id, x.px, x.q.a, x.q.b.length);
console.log(xs[2]);
const o1 = { a: 1, b: 2 };
const o2 = { b: 3, a: 4 };
function sumAB(o) { return o.a * 10 + o.b; }
console.log(sumAB(o1), sumAB(o2));
const poly = [{ a: 1, b: 2 }, { b: 5, a: 6, c: 7 }, { a: 8, b: 9 }];
let t = 0;
for (const p of poly) t += sumAB(p);
console.log(t);
const withFn = { n: 2, f: (x) => x * 3 };
console.log(withFn.f(withFn.n), typeof withFn.f);
withFn.f = (x) => x - 1;
console.log(withFn.f(10));
const nested = { inner: { deeper: { v: 1 } } };
nested.inner.deeper.v += 41;
console.log(nested.inner.deeper.v, nested);
