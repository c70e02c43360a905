function f(a, b) {
  return typeof b;
}
console.log(f(1));
console.log(f(1, 2));
function g(a, b) {
  return b === undefined;
}
console.log(g(1), g(1, 2));
