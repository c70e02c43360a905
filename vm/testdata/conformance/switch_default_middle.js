function f(n) {
  let out = "";
  switch (n) {
    case 1:
      out += "1";
    default:
      out += "D";
    case 2:
      out += "2";
      break;
    case 3:
      out += "3";
  }
  return out;
}
console.log(f(1), f(2), f(3), f(4));
