const o = { a: 0 };
const arr = [];
console.log(o && 1, arr || 2, (o.a || "zero"), (o.a ?? "nullish"));
