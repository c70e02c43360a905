console.log(2 ** 53 * 2);
console.log(1e308 * 10);
console.log(-1e308 * 10);
console.log(1e-320 / 1e10);
console.log(Number.isFinite(1e308 + 1e308));
console.log(9007199254740992 + 1);
console.log(9007199254740992 - 1);
