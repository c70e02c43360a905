function nsqrt(x) {
  let g = x / 2;
  for (let i = 0; i < 30; i++) g = (g + x / g) / 2;
  return g;
}
console.log(nsqrt(2), nsqrt(144), nsqrt(1e10));
console.log(nsqrt(2) === Math.sqrt(2));
