function f(p) {
  return await p;
}
// ERROR "await is not supported" at 2:10
