const f = a => b => c => a + b + c;
console.log(f(1)(2)(3));
const g = () => () => 7;
console.log(g()());
