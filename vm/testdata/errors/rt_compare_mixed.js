function above(p) {
  return p < "10";
}
above(5);
// RUNTIME "invalid operands to <: number and string \"10\"" at 2:12
// STACK above <main>
