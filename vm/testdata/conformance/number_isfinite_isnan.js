console.log(Number.isFinite(1), Number.isFinite(Infinity), Number.isFinite(NaN), Number.isFinite(-Infinity));
console.log(Number.isNaN(NaN), Number.isNaN(1), Number.isNaN(0 / 0));
console.log(Number.isFinite("1"), Number.isNaN("x"));
console.log(Number.isFinite(null), Number.isNaN(undefined));
