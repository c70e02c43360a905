function gcd(a, b) {
  while (b !== 0) {
    const t = b;
    b = a % b;
    a = t;
  }
  return a;
}
console.log(gcd(48, 18), gcd(17, 5), gcd(0, 9), gcd(1071, 462));
