const a = { v: 1 };
const b = a;
b.v = 2;
console.log(a.v, a === b);
function bump(o) { o.v++; }
bump(a);
console.log(b.v);
