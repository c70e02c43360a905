function kind(v) {
  if (typeof v === "number") return "num";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "undefined") return "undef";
  if (typeof v === "function") return "fn";
  return "obj";
}
console.log(kind(1), kind("a"), kind(false), kind(undefined), kind(kind), kind(null), kind([]));
