const o = { a: 1, b: 2 };
console.log(o["a"], o["b"]);
o["a"] = 10;
console.log(o.a);
