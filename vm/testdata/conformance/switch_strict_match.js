function f(v) {
  switch (v) {
    case 1: return "number one";
    case "1": return "string one";
    case true: return "true";
    case null: return "null";
    case undefined: return "undefined";
    case NaN: return "nan";
  }
  return "none";
}
console.log(f(1), f("1"), f(true), f(null), f(undefined), f(NaN));
