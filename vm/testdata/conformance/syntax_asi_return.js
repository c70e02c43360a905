function f() {
  return
  5;
}
console.log(f());
