const adder = (a) => (b) => (c) => a + b + c;
console.log(adder(1)(2)(3));
const add5 = adder(2)(3);
console.log(add5(10), add5(20));
