console.log(0);
console.log(1);
console.log(-1);
console.log(42);
console.log(1000000);
console.log(4.0);
console.log(10 / 2);
console.log(1e3);
console.log(100000000000000000000);
