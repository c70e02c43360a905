const o = { a: 1, b: 2, };
const a = [1, 2, ];
function f(x, y,) { return x + y; }
console.log(o, a, f(1, 2,));
