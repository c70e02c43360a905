function qsort(a, lo, hi) {
  if (lo >= hi) return;
  const p = a[(lo + hi) >>> 1];
  let i = lo;
  let j = hi;
  while (i <= j) {
    while (a[i] < p) i++;
    while (a[j] > p) j--;
    if (i <= j) {
      const t = a[i]; a[i] = a[j]; a[j] = t;
      i++; j--;
    }
  }
  qsort(a, lo, j);
  qsort(a, i, hi);
}
const a = [];
let x = 7;
for (let k = 0; k < 50; k++) { x = (x * 1103515245 + 12345) % 2147483648; a.push(x % 100); }
qsort(a, 0, a.length - 1);
let ok = true;
for (let k = 1; k < a.length; k++) if (a[k - 1] > a[k]) ok = false;
console.log(ok, a[0], a[25], a[49]);
