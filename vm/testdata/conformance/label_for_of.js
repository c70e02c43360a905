let hits = 0;
rows: for (const row of [[1, 2, 3], [4, -1, 6], [7, 8, 9]]) {
  for (const v of row) {
    if (v < 0) continue rows;
    hits += v;
  }
}
console.log(hits);
