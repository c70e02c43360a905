console.log(Math.PI);
console.log(Math.E);
console.log(Math.PI * 2);
console.log(typeof Math.PI);
