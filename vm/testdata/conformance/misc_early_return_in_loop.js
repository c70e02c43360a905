function firstNeg(a) {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < 0) return i;
  }
  return -1;
}
console.log(firstNeg([1, 2, -3, 4]), firstNeg([1]), firstNeg([]));
function findPair(a, t) {
  for (const x of a) {
    for (const y of a) {
      if (x + y === t) return `${x}+${y}`;
    }
  }
  return "none";
}
console.log(findPair([1, 5, 9], 14), findPair([1, 2], 10));
