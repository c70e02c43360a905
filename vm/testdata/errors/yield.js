function f() {
  yield 1;
}
// ERROR "yield are not supported" at 2:3
