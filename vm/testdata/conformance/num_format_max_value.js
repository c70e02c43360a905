const max = 1.7976931348623157e308;
console.log(max);
console.log(max * 2);
console.log(-max);
console.log(max + 1 === max);
console.log(Number.isFinite(max));
