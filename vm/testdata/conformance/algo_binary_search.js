function bsearch(a, x) {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === x) return mid;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}
const a = [1, 3, 5, 7, 9, 11, 13];
console.log(bsearch(a, 7), bsearch(a, 1), bsearch(a, 13), bsearch(a, 4), bsearch(a, 100));
