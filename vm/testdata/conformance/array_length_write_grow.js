const a = [1, 2, 3];
a[3] = 4;
console.log(a, a.length);
a[a.length] = 5;
console.log(a.length, a[4]);
