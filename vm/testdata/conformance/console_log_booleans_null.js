console.log(true);
console.log(false);
console.log(null);
console.log(undefined);
console.log(true, false);
