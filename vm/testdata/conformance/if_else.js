function f(x) {
  if (x > 10) {
    return "big";
  } else if (x > 5) {
    return "medium";
  } else {
    return "small";
  }
}
console.log(f(20), f(7), f(1));
if (false) console.log("no"); else console.log("yes");
