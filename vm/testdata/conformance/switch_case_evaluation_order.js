// switch semantics corner cases
function f(x) {
  let log = "";
  switch (x) {
    case (log += "a", 1):
      log += "1";
    case (log += "b", 2):
      log += "2";
      break;
    default:
      log += "d";
    case (log += "c", 3):
      log += "3";
  }
  return log;
}
console.log(f(1), f(2), f(3), f(4));
function g(x) {
  switch (x) {
    case -0: return "zero";
    case NaN: return "nan";
  }
  return "other";
}
console.log(g(0), g(-0), g(NaN));
function h(x) {
  for (let i = 0; i < 3; i++) {
    switch (x + i) {
      case 2:
        continue;
      case 3:
        return "three at " + i;
    }
  }
  return "none";
}
console.log(h(1), h(0), h(5));
let count = 0;
switch (count++) {
  case 0:
    count += 10;
}
console.log(count);
