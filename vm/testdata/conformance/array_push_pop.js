const a = [];
console.log(a.push(1));
console.log(a.push(2));
console.log(a);
console.log(a.pop());
console.log(a.pop());
console.log(a.pop());
console.log(a, a.length);
