const a = [];
console.log(a.pop());
console.log(a.length);
