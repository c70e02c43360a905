function early() {
  return limit * 2;
}
early();
let limit = 10;
// RUNTIME "limit is used before its declaration" at 2:18
// STACK early <main>
