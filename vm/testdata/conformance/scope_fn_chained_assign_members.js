const o = { a: 0, b: 0 };
const arr = [0, 0];
o.a = o.b = arr[0] = arr[1] = 7;
console.log(o, arr);
