let fast = NaN;
let slow = NaN;
let prevDiff = 0;
function onTick(px) {
  fast = Number.isNaN(fast) ? px : fast + 0.5 * (px - fast);
  slow = Number.isNaN(slow) ? px : slow + 0.1 * (px - slow);
  const diff = fast - slow;
  let sig = 0;
  if (prevDiff <= 0 && diff > 0) sig = 1;
  else if (prevDiff >= 0 && diff < 0) sig = -1;
  prevDiff = diff;
  return sig;
}
let px = 100;
let line = "";
for (let i = 0; i < 40; i++) {
  px += i % 10 < 5 ? 0.75 : -0.5;
  line += onTick(px);
}
console.log(line);
console.log(fast, slow);
