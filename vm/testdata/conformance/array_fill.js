const a = [1, 2, 3, 4];
a.fill(0);
console.log(a);
console.log(a.fill(7) === a);
console.log(new Array(3).fill(-1));
