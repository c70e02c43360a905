console.log(5e-324);
console.log(5e-324 / 2);
console.log(-5e-324);
console.log(2.2250738585072014e-308);
console.log(5e-324 * 3);
