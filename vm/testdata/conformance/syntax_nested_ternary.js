const v = 5;
const r = v < 1 ? "a" : v < 2 ? "b" : v < 3 ? "c" : v < 4 ? "d" : v < 5 ? "e" : "f";
console.log(r);
