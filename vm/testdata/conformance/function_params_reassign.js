function f(x) {
  x = x * 2;
  x += 1;
  return x;
}
const a = 5;
console.log(f(a), a);
function g(arr) {
  arr.push(99);
  arr = [0];
  return arr.length;
}
const b = [1];
console.log(g(b), b);
