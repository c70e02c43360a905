console.log(5 % 3);
console.log(-5 % 3);
console.log(5 % -3);
console.log(-5 % -3);
console.log(0 % 5);
console.log(-0 % 5);
console.log(0 % -1);
console.log(-4 % 2);
