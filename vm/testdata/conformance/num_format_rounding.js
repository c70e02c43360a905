console.log(0.1 * 3);
console.log(1.1 * 1.1);
console.log(3 * 1.1);
console.log(0.7 + 0.1);
console.log(4.35 * 100);
console.log(1.005 * 1000);
console.log(9.95);
console.log(1.23456789012345678);
