let s = 0;
for (let i = 0, j = 10; i < j; i++) {
  s += j - i;
}
console.log(s);
