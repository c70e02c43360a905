const a = [0.5, -1.5, 3.25, -0.25, 2, -10];
a.sort((x, y) => x - y);
console.log(a);
