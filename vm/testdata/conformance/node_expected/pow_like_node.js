// Math.pow and ** print exactly what Node prints: V8's pow is fdlibm's with one step
// computed differently, which vm/jsmath ports (before, 6 of this sweep's 211 values and about
// 4% of all arguments differed from Node in the last digit).
// The compounding sweep: 1000 * (1 + r/100) ** n, r = 1..7 percent, n = 0..29, and 1.05 ** 30.
let sweep = [];
for (let r = 1; r <= 7; r++) {
  for (let n = 0; n < 30; n++) sweep.push(1000 * (1 + r / 100) ** n);
}
sweep.push(1000 * 1.05 ** 30);
console.log(sweep.length, sweep.join(" "));
// Literal operands, Math.pow, and **= give the same results.
console.log(1000 * 1.05 ** 4, Math.pow(1.05, 4), 1.1 ** 3, 0.97 ** -7, 0.97 ** 9, 1.003 ** 20, 59999.3 ** 2);
let acc = 1.0125;
acc **= 7;
console.log(acc, Math.pow(1.0125, 7));
// Integer exponents -20..20 of prices and growth factors.
const bases = [0.97, 0.999, 1.0001, 1.0025, 1.05, 1.1, 3.3, 7, 12.5, 123.45, 0.0001, -1.05, -0.3];
let ints = [];
for (const b of bases) {
  for (let k = -20; k <= 20; k++) ints.push(b ** k);
}
console.log(ints.join(" "));
// Fractional exponents, huge and tiny bases, results near overflow and underflow.
let fr = [];
for (let i = 1; i <= 40; i++) {
  const x = i * 0.731, y = i * 0.173 - 3;
  fr.push(x ** y, x ** 0.5, x ** (1 / 3), Math.pow(x, -y), (x * 1e150) ** 1.9, (x * 1e-160) ** 1.9);
}
fr.push(2 ** 1023.9999, 2 ** 1024, 2 ** -1074, 2 ** -1075, 10 ** 308.25, 10 ** -323.3, 1e-310 ** 0.5, 5e-324 ** 0.9);
console.log(fr.join(" "));
// Special values: NaN exponents, (±1) ** ±Infinity, zeros, infinities, negative bases.
const sx = [0, -0, 1, -1, 0.5, -2, Infinity, -Infinity, NaN];
const sy = [0, -0, 1, -1, 2, 3, -3, 0.5, -0.5, Infinity, -Infinity, NaN];
let sp = [];
for (const x of sx) {
  for (const y of sy) {
    const v = x ** y;
    sp.push(v === 0 && 1 / v < 0 ? "-0" : "" + v);
  }
}
console.log(sp.join(" "));
