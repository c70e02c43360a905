const a = [5, 1, 4, 2, 3];
a.sort((x, y) => x - y);
console.log(a);
a.sort((x, y) => y - x);
console.log(a);
console.log([3, 1, 2].sort((x, y) => x - y));
