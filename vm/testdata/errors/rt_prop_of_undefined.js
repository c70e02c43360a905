let cfg;
function size() {
  return cfg.size;
}
size();
// RUNTIME "cannot read property size of undefined" at 3:14
// STACK size <main>
