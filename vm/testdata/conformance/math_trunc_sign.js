console.log(Math.trunc(1.7), Math.trunc(-1.7), Math.trunc(-0.2), Math.trunc(0.2));
console.log(Math.sign(5), Math.sign(-5), Math.sign(0), Math.sign(-0), Math.sign(NaN));
console.log(Math.sign(-Infinity), Math.trunc(Infinity));
