function memoFib() {
  const memo = [0, 1];
  function fib(n) {
    if (n < memo.length) return memo[n];
    const v = fib(n - 1) + fib(n - 2);
    memo.push(v);
    return v;
  }
  return fib;
}
const f = memoFib();
console.log(f(50), f(78), f(10));
