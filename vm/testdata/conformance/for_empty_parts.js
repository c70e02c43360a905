let i = 0;
for (;;) {
  if (i >= 3) break;
  i++;
}
console.log(i);
let j = 0;
for (; j < 4;) j += 2;
console.log(j);
