function f() {
  throw 1;
}
// ERROR "throw is not supported" at 2:3
