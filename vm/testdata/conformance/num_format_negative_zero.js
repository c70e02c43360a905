console.log(-0);
console.log(0 * -1);
console.log(-0 + 0);
console.log(-0 - 0);
console.log(1 / -0);
console.log(-0 === 0);
console.log(Math.round(-0.4));
console.log(Math.sign(-0));
console.log(Math.abs(-0));
