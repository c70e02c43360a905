const a = [10, 20, 30];
console.log(a[0], a[1], a[2]);
console.log(a[3]);
console.log(a.length);
a[1] = 25;
console.log(a);
