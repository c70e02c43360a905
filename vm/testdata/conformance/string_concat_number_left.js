console.log(1 + "a");
console.log(1 + 2 + "a");
console.log(2.5 + "x");
console.log(-0 + "z");
