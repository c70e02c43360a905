console.log("" + -0);
console.log(`${-0}`);
console.log("x" + (0 * -5));
console.log("-0 is " + -0, -0);
