// Math functions and ** print exactly what Node prints: V8 computes them with fdlibm's
// algorithms, which Go's math package does not use.
console.log(Math.sin(Math.PI), Math.cos(Math.PI / 3), Math.tan(Math.PI / 4), Math.sin(1e10), Math.cos(1e300));
console.log(Math.log2(3), Math.log10(2), Math.log(10), Math.log1p(1e-10), Math.exp(1), Math.exp(-0.5), Math.expm1(1e-5));
console.log(Math.asin(0.3), Math.acos(-0.7), Math.atan(2), Math.atan2(1, -3), Math.cbrt(7));
console.log(Math.sinh(0.5), Math.cosh(3), Math.tanh(-0.2), Math.sqrt(2), Math.hypot(3, 4));
console.log(1000 * 1.05 ** 4, Math.pow(1.05, 4), 2 ** 0.5, 10 ** -2, (-8) ** 3, 0.1 ** 3);
let xs = [];
for (let i = 1; i <= 60; i++) {
  const x = i * 0.37 - 5;
  xs.push(Math.sin(x), Math.cos(x), Math.tan(x), Math.exp(x / 3), Math.atan(x));
  if (x > 0) xs.push(Math.log(x), Math.log2(x), Math.log10(x), Math.sqrt(x), Math.cbrt(x));
}
console.log(xs.join(" "));
// Math.hypot sums the squares as V8 does (Kahan summation, normalized to the largest).
let hs = [];
for (let i = 1; i < 300; i++) {
  const a = i * 0.731 - 50, b = i * 1.37 + 0.1, c = 1 / i;
  hs.push(Math.hypot(a, b), Math.hypot(a, b, c), Math.hypot(c), Math.log1p(c - 0.5), Math.log1p(a / 100));
}
console.log(hs.join(" "));
