const trades = [{ p: 100, q: 2 }, { p: 101, q: 1 }, { p: 99.5, q: 3 }, { p: 100.25, q: 4 }];
let pq = 0;
let q = 0;
for (const t of trades) {
  pq += t.p * t.q;
  q += t.q;
}
console.log(pq / q);
