const a = [1, 2, 3];
const b = a;
b.push(4);
console.log(a.length, a === b);
function clear(arr) {
  while (arr.length > 0) arr.pop();
}
clear(a);
console.log(a, b);
