let a;
let b;
a = b = 5;
console.log(a, b);
let c = (a = 7) + 1;
console.log(a, c);
