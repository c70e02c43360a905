function f(x) {
  let s = "";
  switch (x) {
    default:
      s += "d";
    case 1:
      s += "1";
      break;
    case 2:
      s += "2";
  }
  return s;
}
console.log(f(1), f(2), f(3));
function g(x) {
  switch (x) {
    case 1:
      return "one";
  }
  return "none";
}
console.log(g(2));
