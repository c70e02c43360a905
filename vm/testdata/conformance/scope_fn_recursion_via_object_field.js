const o = { f: null };
o.f = (n) => (n === 0 ? 0 : 1 + o.f(n - 1));
console.log(o.f(50));
