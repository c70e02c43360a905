// string and closure churn across collections; survivors checked at the end
const kept = [];
let total = 0;
for (let i = 0; i < 20000; i++) {
  const s = "item-" + i + "-" + (i * 7) % 13;
  total += s.length;
  if (i % 1000 === 0) kept.push(s);
  const f = (x) => x + s.length;
  total += f(1);
  const arr = new Array(8).fill(i);
  total += arr[7] % 3;
}
console.log(total, kept.length, kept[0], kept[19]);
const mats = [];
for (let r = 0; r < 50; r++) {
  const row = [];
  for (let c = 0; c < 50; c++) row.push({ r: r, c: c, s: `${r}x${c}` });
  if (r % 5 === 0) mats.push(row);
}
let check = "";
for (const row of mats) check += row[row.length - 1].s + ";";
console.log(mats.length, check);
