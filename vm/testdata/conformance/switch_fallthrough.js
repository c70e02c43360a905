function f(n) {
  let out = "";
  switch (n) {
    case 0:
      out += "a";
    case 1:
      out += "b";
      break;
    case 2:
      out += "c";
    default:
      out += "d";
  }
  return out;
}
console.log(f(0), f(1), f(2), f(3));
