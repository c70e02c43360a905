const a = [1, 2, 1, 2, 1];
console.log(a.indexOf(1, 1), a.indexOf(2, 2), a.indexOf(1, 10), a.indexOf(1, -2));
