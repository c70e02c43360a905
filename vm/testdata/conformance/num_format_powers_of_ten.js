let x = 1;
for (let i = 0; i < 25; i++) {
  console.log(x);
  x = x * 10;
}
let y = 1;
for (let i = 0; i < 10; i++) {
  y = y / 10;
  console.log(y);
}
