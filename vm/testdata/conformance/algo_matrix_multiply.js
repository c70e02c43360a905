function matmul(a, b) {
  const n = a.length;
  const out = [];
  for (let i = 0; i < n; i++) {
    const row = new Array(n).fill(0);
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) row[j] += a[i][k] * b[k][j];
    }
    out.push(row);
  }
  return out;
}
console.log(matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]));
