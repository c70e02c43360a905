const a = [1, 2, 3, 4, 5];
a.fill(9, 1, 3);
console.log(a);
a.fill(0, 3);
console.log(a);
a.fill(5, -2);
console.log(a);
