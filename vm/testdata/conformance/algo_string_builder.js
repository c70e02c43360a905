function pad(n, width) {
  let s = "" + n;
  while (s.length < width) s = "0" + s;
  return s;
}
console.log(pad(7, 3), pad(123, 2), pad(42, 5));
function repeat(s, n) {
  let out = "";
  for (let i = 0; i < n; i++) out += s;
  return out;
}
console.log(repeat("ab", 3), repeat("x", 0).length);
