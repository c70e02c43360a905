console.log(Math.max());
console.log(Math.min());
console.log(Math.max() < Math.min());
