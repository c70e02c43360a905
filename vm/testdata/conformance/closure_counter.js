function makeCounter() {
  let n = 0;
  return () => {
    n++;
    return n;
  };
}
const c1 = makeCounter();
const c2 = makeCounter();
console.log(c1(), c1(), c1());
console.log(c2(), c2());
console.log(c1());
