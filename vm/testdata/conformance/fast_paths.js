// The fast interpreter's paths and their fallbacks (vm/fast.go): strict equality,
// Math.abs/min/max, constant division and multiplication, and global operands.
const o = [1], q = [1];
let g = 2, s = "g", flag = true, prev = 0.5;
function eqs(a, b) { return [a === b, a !== b, a === b ? 1 : 2, a !== b ? 1 : 2]; }
console.log(eqs(1, 1), eqs("x", "x"), eqs(o, q), eqs(o, o), eqs(0, -0), eqs(NaN, NaN), eqs(true, true), eqs(null, undefined));
function mm(a, b) { return [Math.abs(a), Math.min(a, b), Math.max(a, b), 1 / Math.min(a, b), 1 / Math.max(a, b)]; }
console.log(mm(-2, 3), mm(3, -2), mm(-0, 0), mm(0, -0), mm(NaN, 1), mm(1, NaN), mm(-Infinity, 5));
function k(x) { return [x / 1e4, (x + 1) / 2, 0.5 * x, x * 0.5, 2 * (x - g), (x + g) * 2, -1 * x]; }
console.log(k(3), k(-7.25));
function gl(x) {
  let r = 0;
  if (flag) r += 1;
  if (!flag) r += 2;
  if (prev < 1) r += 4;
  if (prev <= 0.5) r += 8;
  if (prev > 0) r += 16;
  if (prev >= 1) r += 32;
  return [r, x + g, x - g, x * g, g + g, g - g, g * g, "x" + s, x + s, s + s, x * 1 + g];
}
console.log(gl(5), gl(-1));
function upd(x) { const y = x * 2; g = y; prev = g - prev; return [g, prev]; }
console.log(upd(21), upd(0.5));
