console.log(Math.sqrt(2), Math.sqrt(16), Math.sqrt(0), Math.sqrt(-0), Math.sqrt(-4));
console.log(Math.cbrt(27), Math.cbrt(-8), Math.cbrt(2), Math.cbrt(0));
console.log(Math.sqrt(Infinity), Math.cbrt(-Infinity));
