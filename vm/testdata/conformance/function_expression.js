const sq = function (x) { return x * x; };
console.log(sq(7));
const named = function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); };
console.log(named(6));
