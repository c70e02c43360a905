const W = 4;
const win = new Array(W).fill(0);
let idx = 0;
let count = 0;
let sum = 0;
function push(x) {
  if (count === W) sum -= win[idx]; else count++;
  win[idx] = x;
  sum += x;
  idx = (idx + 1) % W;
  return sum / count;
}
let line = "";
for (const p of [1, 2, 3, 4, 5, 6, 7]) line += push(p) + " ";
console.log(line);
