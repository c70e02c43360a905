console.log(NaN);
console.log(0 / 0);
console.log(NaN === NaN);
console.log(NaN !== NaN);
console.log(Math.sqrt(-1));
console.log("v=" + NaN);
console.log([NaN]);
console.log(isNaN(NaN), isNaN(1));
