function sign(x) {
  if (x > 0) return 1;
  if (x < 0) return -1;
  return 0;
}
console.log(sign(5), sign(-2), sign(0));
function bare() {
  return;
}
console.log(bare());
