let log = "";
function t(name, v) {
  log += name;
  return v;
}
const r = t("a", 1) + t("b", 2) * t("c", 3);
console.log(r, log);
log = "";
function f(x, y, z) { return x - y - z; }
console.log(f(t("x", 10), t("y", 2), t("z", 3)), log);
log = "";
console.log(t("l", 0) || t("r", 5), t("p", 1) ?? t("q", 2), log);
