let x = 1;
for (let i = 0; i < 30; i++) {
  x = x / 2;
}
console.log(x);
console.log(x * 3);
let y = 1;
for (let i = 0; i < 12; i++) {
  y = y / 2;
  console.log(y);
}
