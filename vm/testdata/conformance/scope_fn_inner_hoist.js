function outer() {
  const r = inner(2);
  function inner(x) { return x * 21; }
  return r;
}
console.log(outer());
