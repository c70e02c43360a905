console.log(1 + 2 * 3);
console.log(10 - 4 / 2);
console.log(2 ** 3 ** 2);
console.log((2 ** 3) ** 2);
console.log(-(2 ** 2));
console.log(1 + 2 - 3 * 4 / 5 % 6);
console.log(8 / 2 / 2);
console.log(2 * 3 ** 2);
