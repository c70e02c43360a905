console.log("b=" + true);
console.log("b=" + false);
console.log("n=" + null);
console.log("u=" + undefined);
console.log("nan=" + NaN);
console.log("inf=" + -Infinity);
