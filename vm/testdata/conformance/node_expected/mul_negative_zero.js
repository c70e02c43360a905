// goja's integer fast path multiplies 0 by a negative integer (other than -1) to +0;
// the expected output here was produced by node.
const a = 0;
const b = -5;
console.log(a * b, b * a, 0 * -5, a * -2.5);
console.log(1 / (a * b), Math.sign(a * b), Math.atan2(a * b, -1) < 0);
let p = 0;
for (let i = -3; i < 0; i++) p = p * i;
console.log(p, [a * b]);
