console.log([1, "a", true, null, undefined]);
console.log([1.5, -0, NaN]);
console.log([[], {}]);
