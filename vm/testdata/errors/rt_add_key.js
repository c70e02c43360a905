const o = { a: 1 };
function grow(x) {
  x.b = 2;
}
grow(o);
// RUNTIME "cannot add property b" at 3:7
// STACK grow <main>
