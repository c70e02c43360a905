const o = { z: 1, a: 2, m: 3 };
console.log(o);
o.a = 20;
console.log(o);
