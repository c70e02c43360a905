function f(a) {
  return a * 2;
}
console.log(f(3, 4, 5));
