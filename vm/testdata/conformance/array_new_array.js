const a = new Array(4);
console.log(a.length);
for (let i = 0; i < a.length; i++) a[i] = i * i;
console.log(a);
const b = new Array(0);
console.log(b, b.length);
