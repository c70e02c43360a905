const x = 10;
function f(x) { return x + 1; }
console.log(f(1), x);
