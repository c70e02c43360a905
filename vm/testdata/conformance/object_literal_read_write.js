const o = { a: 1, b: "two", c: true };
console.log(o.a, o.b, o.c);
o.a = 10;
o.b = "changed";
console.log(o);
