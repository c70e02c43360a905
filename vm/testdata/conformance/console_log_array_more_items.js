const a = [];
for (let i = 0; i < 101; i++) a.push(i);
console.log(a);
a.push(-1.5);
console.log(a);
const b = new Array(250).fill(0);
console.log(b);
console.log({ big: b });
