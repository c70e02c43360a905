const a = [1, 2, 3, 4, 5];
console.log(a.slice(1.7), a.slice(-1.5), a.slice(NaN), a.slice(0, Infinity), a.slice(-Infinity, 2));
console.log(a.indexOf(3, -100), a.indexOf(3, 100), a.indexOf(1, -5), a.indexOf(5, -1));
