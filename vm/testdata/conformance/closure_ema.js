function makeEma(alpha) {
  let value = NaN;
  return (x) => {
    value = Number.isNaN(value) ? x : alpha * x + (1 - alpha) * value;
    return value;
  };
}
const e = makeEma(0.5);
console.log(e(10), e(20), e(10), e(0));
