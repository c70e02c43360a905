const a = [];
let n = 0;
while (a.push(n * n) < 5) n++;
console.log(a, n);
