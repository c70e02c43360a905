let x = 0;
block: {
  x = 1;
  if (x === 1) break block;
  x = 2;
}
console.log(x);
