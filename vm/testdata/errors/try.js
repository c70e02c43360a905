try {
  f();
} catch (e) {}
// ERROR "try/catch/finally is not supported" at 1:1
