function compose(f, g) {
  return (x) => f(g(x));
}
const inc = (x) => x + 1;
const dbl = (x) => x * 2;
console.log(compose(inc, dbl)(5));
console.log(compose(dbl, inc)(5));
function twice(f) { return (x) => f(f(x)); }
console.log(twice(twice(inc))(0));
