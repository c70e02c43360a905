let v = "outer";
if (true) {
  let v = "inner";
  console.log(v);
}
console.log(v);
for (let i = 0; i < 1; i++) {
  let v = "loop";
  console.log(v, i);
}
console.log(v);
