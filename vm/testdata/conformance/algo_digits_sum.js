function digitSum(n) {
  let s = 0;
  while (n > 0) {
    s += n % 10;
    n = Math.floor(n / 10);
  }
  return s;
}
console.log(digitSum(12345), digitSum(999999999), digitSum(0));
