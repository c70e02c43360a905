function f() { return 1; }
const g = () => 2;
const h = function () { return 3; };
console.log(typeof f, typeof g, typeof h);
console.log(typeof Math.abs, typeof console.log);
console.log(typeof Math);
console.log(typeof f());
