console.log(NaN | 0);
console.log(Infinity | 0);
console.log(-Infinity | 0);
console.log(~NaN);
console.log(NaN >>> 0);
console.log(~Infinity);
console.log(-0 | 0);
console.log(0.5 ^ 0);
