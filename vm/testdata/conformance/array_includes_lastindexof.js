const a = [1, 2, NaN, 2, -0];
console.log(a.includes(2), a.includes(5), a.includes(NaN));
console.log(a.lastIndexOf(2), a.lastIndexOf(7), a.lastIndexOf(NaN), a.lastIndexOf(0));
