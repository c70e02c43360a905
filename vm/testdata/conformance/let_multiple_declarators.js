let a = 1, b = 2, c;
const x = 3, y = x + 1;
console.log(a, b, c, x, y);
