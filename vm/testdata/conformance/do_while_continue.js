let i = 0;
let s = 0;
do {
  i++;
  if (i === 2) continue;
  s += i;
} while (i < 5);
console.log(s);
