let calls = 0;
function v(x) { calls++; return x; }
let a = 1;
a ||= v(2);
let b = 0;
b &&= v(3);
let c = 5;
c ??= v(4);
console.log(a, b, c, calls);
let d = null;
d ??= v(7);
let e = 0;
e ||= v(8);
console.log(d, e, calls);
