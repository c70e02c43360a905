function make() {
  const go = (n) => n <= 0 ? 0 : n + go(n - 1);
  return go;
}
console.log(make()(10));
