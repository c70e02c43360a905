function double(x) { return x * 2; }
function apply(f, x) { return f(x); }
const d = double;
console.log(apply(double, 4));
console.log(d(5));
const fs = [double, (x) => x + 1];
console.log(fs[0](3), fs[1](3));
