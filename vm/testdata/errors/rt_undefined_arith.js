const book = { bid: 1 };
function spread(b) {
  return b.ask * 2;
}
spread(book);
// RUNTIME "object has no property ask" at 3:12
// STACK spread <main>
