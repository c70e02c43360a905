let i = 0;
let s = 0;
while (true) {
  i++;
  if (i % 2 === 0) continue;
  if (i > 9) break;
  s += i;
}
console.log(i, s);
