// allocation churn with survivors: the collector must keep everything reachable
let s = 3;
function rnd() { s = (s * 16807) % 2147483647; return s / 2147483647; }
const keep = [];
function mkNode(v, next) { return { v: v, next: next, tag: "n" + v, kids: [v, v * 2] }; }
function mkCounter(start) { let c = start; return () => { c += 1; return c; }; }
let head = null;
const counters = [];
for (let round = 0; round < 200; round++) {
  // garbage
  for (let g = 0; g < 500; g++) {
    const tmp = { a: [g, g + 1, "x" + g], b: "y" + g * round };
    if (tmp.a.length !== 3) console.log("bad");
  }
  // survivors
  head = mkNode(round, head);
  if (round % 10 === 0) keep.push("k" + round + "-" + Math.floor(rnd() * 1000));
  if (round % 7 === 0) counters.push(mkCounter(round));
}
let n = 0;
let sum = 0;
let tags = "";
for (let p = head; p !== null; p = p.next) {
  n++;
  sum += p.v + p.kids[1];
  if (p.v % 50 === 0) tags += p.tag + ",";
}
console.log(n, sum, tags);
console.log(keep.length, keep[0], keep[keep.length - 1]);
let cs = 0;
for (const c of counters) cs += c() + c();
console.log(counters.length, cs);
let str = "";
