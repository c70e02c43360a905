let n = 0;
let mean = 0;
let m2 = 0;
for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) {
  n++;
  const d = x - mean;
  mean += d / n;
  m2 += d * (x - mean);
}
console.log(n, mean, m2 / n, Math.sqrt(m2 / n));
