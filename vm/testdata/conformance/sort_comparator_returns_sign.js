const a = [3, 10, 1, 7, 2];
a.sort((x, y) => {
  if (x < y) return -1;
  if (x > y) return 1;
  return 0;
});
console.log(a);
