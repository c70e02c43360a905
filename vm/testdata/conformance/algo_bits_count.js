function popcount(x) {
  let c = 0;
  x = x >>> 0;
  while (x !== 0) {
    x = (x & (x - 1)) >>> 0;
    c++;
  }
  return c;
}
console.log(popcount(0), popcount(255), popcount(-1), popcount(0x55555555));
