const add = (a, b) => a + b;
const sq = x => x * x;
const k = () => 42;
console.log(add(1, 2), sq(9), k());
