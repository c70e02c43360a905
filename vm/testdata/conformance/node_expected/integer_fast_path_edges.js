// int32/int64 edges where an engine with integer fast paths can go wrong; expected output
// from node (goja mishandles ToInt32 of 3**70).
const m = -2147483648;
const n = -1;
console.log(m * n, m / n, m % n, m - 1, -m, m * m, 2147483647 + 1, 2147483647 * 2, m % 2, -4 % 2, 4 % -2);
let x = 2147483647;
x++;
console.log(x, x | 0, x >>> 0);
let y = -2147483648;
y--;
console.log(y, y | 0);
const big = 9007199254740991;
console.log(big + 1, big + 2, big * 3, -big - 2, big % 7, big / 3);
console.log(46341 * 46341, 65536 * 65536, 65536 * 32768, -65536 * 32768, 3037000500 * 3037000500);
let acc = 1;
for (let i = 0; i < 70; i++) acc *= 3;
console.log(acc, acc % 1000, acc | 0);
let z = 0;
z -= 0;
console.log(z, -z, 0 - 0, -0 - 0, -0 + -0, 0 * -0, -0 * -0);
const k = 7;
console.log(k / 2 | 0, -k / 2 | 0, Math.floor(-k / 2), -k % 2, k % -2, -k >> 1, -k >>> 1);
