let x = 12345;
const out = [];
for (let i = 0; i < 6; i++) {
  x = (x * 16807) % 2147483647;
  out.push(x);
}
console.log(out);
