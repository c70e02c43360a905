let handler = 5;
function dispatch() {
  return handler(1);
}
dispatch();
// RUNTIME "calling a non-function: number" at 3:17
// STACK dispatch <main>
