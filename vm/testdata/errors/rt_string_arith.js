function mid(bid, ask) {
  return (bid + ask) / 2;
}
console.log(mid("100", 1));
// RUNTIME "invalid operands to /: string \"1001\" and number" at 2:22
// STACK mid <main>
