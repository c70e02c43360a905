let h = 2166136261 | 0;
for (let i = 0; i < 50; i++) {
  h = h ^ (i & 255);
  h = (h * 16777619) | 0;
}
console.log(h);
console.log(h >>> 0);
let g = 0;
for (let i = 0; i < 100; i++) {
  g = ((g << 5) - g + i) | 0;
}
console.log(g, g >>> 0, g >> 3);
