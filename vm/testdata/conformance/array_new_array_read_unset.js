const a = new Array(3);
console.log(a[0], a[2] === undefined, typeof a[1]);
a.fill(0);
console.log(a);
