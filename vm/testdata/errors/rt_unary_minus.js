const s = "x";
console.log(-s);
// RUNTIME "invalid operand to unary -" at 2:13
// STACK <main>
