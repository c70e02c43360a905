const a = 3;
const b = a * 2;
console.log(a, b);
const arr = [1];
arr.push(2);
console.log(arr);
const o = { k: 1 };
o.k = 2;
console.log(o.k);
