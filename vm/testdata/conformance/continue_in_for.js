let s = 0;
for (let i = 0; i < 10; i++) {
  if (i % 3 === 0) continue;
  s += i;
}
console.log(s);
