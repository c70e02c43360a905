// closures, cells and nested arrays kept alive across many collections
let seed = 11;
function rnd() { seed = (seed * 16807) % 2147483647; return seed / 2147483647; }
function makeAcc(k) {
  let total = k;
  const hist = [];
  return {
    add: (x) => { total += x; hist.push(total); if (hist.length > 5) hist.pop(); return total; },
    get: () => total,
    last: () => hist.length === 0 ? -1 : hist[hist.length - 1],
  };
}
const accs = [];
for (let i = 0; i < 50; i++) accs.push(makeAcc(i));
const grid = [];
for (let r = 0; r < 200; r++) {
  for (let j = 0; j < 300; j++) {
    const a = accs[Math.floor(rnd() * accs.length)];
    a.add(Math.floor(rnd() * 10) - 4);
    const junk = [r, j, "s" + j, { q: j }];
    if (junk[3].q !== j) console.log("corrupt");
  }
  if (r % 20 === 0) {
    const row = [];
    for (let c = 0; c < 10; c++) row.push(`${r}/${c}`);
    grid.push(row);
    accs[r % accs.length] = makeAcc(r * 1000);
  }
}
let tg = 0;
let tl = 0;
for (const a of accs) { tg += a.get(); tl += a.last(); }
console.log(tg, tl, grid.length, grid[grid.length - 1][9], grid[0][0]);
