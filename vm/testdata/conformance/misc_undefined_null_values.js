let u;
const n = null;
console.log(u, n, u === undefined, n === null, u === n);
console.log(typeof u, typeof n);
console.log([u, n]);
