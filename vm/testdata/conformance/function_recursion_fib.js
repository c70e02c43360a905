function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
for (let i = 0; i < 15; i++) {
  console.log(i, fib(i));
}
