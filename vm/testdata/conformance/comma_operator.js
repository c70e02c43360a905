let a = 0;
let b = (a++, a++, a * 10);
console.log(a, b);
