const fs = [];
outer: for (let i = 0; i < 4; i++) {
  for (let j = 0; j < 4; j++) {
    fs.push(() => i * 10 + j);
    if (j === 1) continue outer;
    if (i === 3) break outer;
  }
}
let o = "";
for (const f of fs) o += f() + " ";
console.log(o);
const gs = [];
for (let i = 0, f = () => i; i < 3; i++) {
  gs.push(f);
  gs.push(() => i);
}
o = "";
for (const g of gs) o += g() + " ";
console.log(o);
const hs = [];
let k = 0;
do {
  const kk = k;
  hs.push(() => kk + k);
  k++;
} while (k < 3);
o = "";
for (const h of hs) o += h() + " ";
console.log(o);
const ws = [];
for (let i = 0; i < 3; i++) {
  let acc = i;
  ws.push(() => acc++);
  ws.push(() => acc);
}
o = "";
for (const w of ws) o += w() + " ";
