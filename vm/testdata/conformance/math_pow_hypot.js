console.log(Math.pow(2, 10), Math.pow(2, 0.5), Math.pow(-2, 3), Math.pow(0, 0));
console.log(Math.pow(NaN, 0), Math.pow(1, Infinity), Math.pow(2, -1074));
console.log(Math.hypot(3, 4), Math.hypot(5, 12), Math.hypot(), Math.hypot(-3));
console.log(Math.hypot(1, 1), Math.hypot(Infinity, NaN));
