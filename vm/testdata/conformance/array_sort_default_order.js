const a = [10, 9, 1, 100, 25];
a.sort();
console.log(a);
const s = ["b", "a", "C", "aa"];
s.sort();
console.log(s);
