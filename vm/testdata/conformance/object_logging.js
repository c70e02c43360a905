console.log({});
console.log({ a: 1 });
console.log({ a: 1, b: "x", c: null, d: undefined, e: false });
console.log({ n: -0, f: 1.5, i: Infinity });
