let i = 0, j = 10;
while (i < j && (i * j) % 7 !== 6) { i++; j--; }
console.log(i, j);
