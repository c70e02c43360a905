console.log(typeof []);
console.log(typeof [1, 2]);
console.log(typeof {});
console.log(typeof { a: 1 });
console.log(typeof new Array(3));
