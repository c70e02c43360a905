function mk(x) {
  const get = () => x;
  x = x * 100;
  return get;
}
console.log(mk(3)());
