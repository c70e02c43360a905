let counter = 0;
function inc() {
  counter++;
}
inc();
inc();
inc();
console.log(counter);
const limit = 7;
function atLimit(x) { return x >= limit; }
console.log(atLimit(6), atLimit(7));
