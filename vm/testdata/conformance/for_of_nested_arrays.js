const grid = [[1, 2], [3, 4], [5]];
let total = 0;
for (const row of grid) {
  for (const v of row) total += v;
}
console.log(total);
