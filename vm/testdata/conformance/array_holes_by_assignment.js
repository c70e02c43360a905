const a = [1, 2];
a[5] = 6;
console.log(a.length, a[3], typeof a[4]);
console.log(a);
const b = new Array(2);
b[1] = "x";
console.log(b);
