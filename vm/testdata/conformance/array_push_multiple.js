const a = [1];
console.log(a.push(2, 3, 4));
console.log(a);
