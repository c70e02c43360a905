function roundToTick(px, tick) {
  return Math.round(px / tick) * tick;
}
console.log(roundToTick(100.123, 0.01));
console.log(roundToTick(100.126, 0.05));
console.log(roundToTick(99.999, 0.5));
console.log(Math.round(100.123 * 100) / 100);
