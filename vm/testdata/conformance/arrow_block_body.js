const f = (x) => {
  let y = x * 2;
  if (y > 10) {
    return y - 10;
  }
  return y;
};
console.log(f(3), f(8));
const g = () => {};
console.log(g());
