function mul(k) {
  return (x) => x * k;
}
const m3 = mul(3);
const m5 = mul(5);
console.log(m3(2), m5(2), mul(7)(7));
