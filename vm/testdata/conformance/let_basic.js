let a = 1;
let b;
console.log(a, b);
b = a + 1;
a = 10;
console.log(a, b);
