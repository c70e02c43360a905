const a = [1, 2, 3, 4];
const r = a.reverse();
console.log(a, r === a);
console.log([].reverse(), [5].reverse());
