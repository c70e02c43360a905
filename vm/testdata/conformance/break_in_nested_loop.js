let count = 0;
for (let i = 0; i < 5; i++) {
  for (let j = 0; j < 5; j++) {
    if (j === 2) break;
    count++;
  }
}
console.log(count);
