console.log("n=" + 1);
console.log("n=" + 1.5);
console.log("n=" + -3);
console.log("n=" + 1e21);
console.log("n=" + 1e-7);
console.log("n=" + 0.1 * 3);
console.log("sum " + (1 + 2));
console.log("sum " + 1 + 2);
