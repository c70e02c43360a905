const a = [10, 20, 30];
console.log(a[1.5], a[-1], a[NaN], a[Infinity], a[3], a[2.0], a[-0]);
const s = "abc";
console.log(s[1.5], s[-1], s[-0], s[2.0]);
