function mk() {
  let c = 0;
  return { inc: () => ++c, reset: () => { c = 0; } };
}
const m = mk();
m.inc(); m.inc();
m.reset();
console.log(m.inc());
