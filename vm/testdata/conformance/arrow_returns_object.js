const mk = (a) => ({ a: a, b: a * 2 });
const o = mk(3);
console.log(o.a, o.b);
console.log(mk(1));
