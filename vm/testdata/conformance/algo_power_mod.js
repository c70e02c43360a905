function powmod(b, e, m) {
  let r = 1;
  b = b % m;
  while (e > 0) {
    if (e % 2 === 1) r = (r * b) % m;
    b = (b * b) % m;
    e = Math.floor(e / 2);
  }
  return r;
}
console.log(powmod(2, 10, 1000), powmod(3, 200, 1000007), powmod(7, 0, 13));
