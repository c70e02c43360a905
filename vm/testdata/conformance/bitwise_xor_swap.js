let a = 12;
let b = 1234;
a ^= b;
b ^= a;
a ^= b;
console.log(a, b);
let h = 0;
for (let i = 0; i < 20; i++) {
  h = (h * 31 + i) | 0;
  h ^= h >>> 7;
}
console.log(h);
