function add(a, b) {
  return a + b;
}
function noReturn() {
  let x = 1;
}
console.log(add(2, 3));
console.log(noReturn());
console.log(add(add(1, 2), add(3, 4)));
