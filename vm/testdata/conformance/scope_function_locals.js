let g = 1;
function f() {
  let g = 2;
  return g;
}
function h() {
  g = 5;
  return g;
}
console.log(f(), g);
console.log(h(), g);
