console.log(later(3));
function later(x) {
  return x * 2;
}
function a() { return b() + 1; }
function b() { return 10; }
console.log(a());
