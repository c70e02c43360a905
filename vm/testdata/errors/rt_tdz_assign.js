function setLimit() {
  limit = 5;
}
setLimit();
let limit = 1;
// RUNTIME "limit is used before its declaration" at 2:9
// STACK setLimit <main>
