const base = 10;
function f(x) {
  switch (x) {
    case base: return "base";
    case base * 2: return "double";
    case base + 1: return "plus";
  }
  return "other";
}
console.log(f(10), f(20), f(11), f(12));
