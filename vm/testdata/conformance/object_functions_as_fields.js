const o = { f: (x) => x + 1, g: function (y) { return y * 2; } };
console.log(o.f(1), o.g(4));
