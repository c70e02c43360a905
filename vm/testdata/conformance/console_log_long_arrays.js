let x = 7;
function rnd() {
  x = (x * 16807) % 2147483647;
  return x / 2147483647;
}
const words = ["a", "bb", "ccc", "it's", "hello world", "", "longer string here!"];
function val(kind) {
  const r = rnd();
  if (kind === 0) return Math.floor(r * 1000) - 500;
  if (kind === 1) return Math.floor(r * 10);
  if (kind === 2) return r * 1e6;
  if (kind === 3) return words[Math.floor(r * words.length)];
  if (kind === 4) return r < 0.3 ? null : r < 0.6 ? true : r;
  return Math.floor(r * 1e9) / 100;
}
for (let t = 0; t < 36; t++) {
  const n = 7 + Math.floor(rnd() * 40);
  const kind = t % 6;
  const a = [];
  for (let i = 0; i < n; i++) a.push(val(kind));
  if (t % 3 === 0) console.log(a);
  else if (t % 3 === 1) console.log("lbl", { arr: a, k: 1 });
  else console.log([a, [1, 2]]);
}
