const a = [2, 1];
const b = a.sort((x, y) => x - y);
console.log(a === b, b);
