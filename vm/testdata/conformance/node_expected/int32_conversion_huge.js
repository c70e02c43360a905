// goja converts through int64 and gets ToInt32/ToUint32 wrong for |x| >= 2**63;
// the expected output here was produced by node.
console.log(1e21 | 0, 1e21 >>> 0, ~1e21, 1e21 >> 3);
console.log(2 ** 64 | 0, (2 ** 64 + 7 * 2 ** 20 + 3) | 0, -(2 ** 70) >>> 0);
console.log(1e19 | 0, -1e19 | 0, 1e30 << 1, 5 << 1e21);
console.log(1.7976931348623157e308 | 0, 2 ** 63 | 0, -(2 ** 63) | 0);
let h = 123456789;
for (let i = 0; i < 10; i++) {
  h = (h * 2654435761 * 1000003 + i) | 0;
}
console.log(h);
