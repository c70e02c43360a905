function g() {
  const h = () => y + 1;
  const r = h();
  let y = 2;
  return r;
}
g();
// RUNTIME "variable is used before its declaration" at 2:19
// STACK h g <main>
