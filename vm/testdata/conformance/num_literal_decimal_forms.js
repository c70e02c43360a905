console.log(.5);
console.log(5.);
console.log(1E3);
console.log(2e+2);
console.log(2.50);
console.log(1.0e-3);
