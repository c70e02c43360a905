for (const x of [1, 2, 3, 4, 5, 6]) {
  if (x === 2) continue;
  if (x === 5) break;
  console.log(x);
}
