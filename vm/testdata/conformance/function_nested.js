function outer(x) {
  function inner(y) {
    return x + y;
  }
  return inner(10) * 2;
}
console.log(outer(1));
function deep(a) {
  function l1(b) {
    function l2(c) {
      return a + b + c;
    }
    return l2(100);
  }
  return l1(10);
}
console.log(deep(1));
