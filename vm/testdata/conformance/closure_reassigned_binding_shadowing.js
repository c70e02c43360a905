function shadow(x) {
  { let x = 5; console.log(x); }
  return x;
}
console.log(shadow(1));
let fact = null;
fact = (n) => (n <= 1 ? 1 : n * fact(n - 1));
const f2 = fact;
fact = (n) => -1;
console.log(f2(5));
