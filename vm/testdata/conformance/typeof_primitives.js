console.log(typeof 1);
console.log(typeof NaN);
console.log(typeof "s");
console.log(typeof "");
console.log(typeof true);
console.log(typeof null);
console.log(typeof undefined);
