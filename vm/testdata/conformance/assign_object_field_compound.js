const o = { n: 1, s: "x" };
o.n += 41;
o.s += "y";
o.n %= 5;
console.log(o);
