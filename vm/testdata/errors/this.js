function f() {
  return this;
}
// ERROR "this is not supported" at 2:10
